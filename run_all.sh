#!/usr/bin/env bash
# Regenerate every report, or run the tests, in a project-local virtual environment.
#
#   ./run_all.sh [--data-dir DIR...] [--profile NAME] [-p NAME VALUE ...]  run notebooks 01-05 -> reports/
#   ./run_all.sh --test [pytest args]                                   lint (ruff) and run the test suite (installs Chromium if missing)
#   ./run_all.sh --app [streamlit args]                                 the web app on http://127.0.0.1:8501 (offline)
#   ./run_all.sh --build-model --data-dir DIR...                        rebuild models/four-corpora from the corpora
#   ./run_all.sh --help
#
# First use creates .venv/ beside this script and installs requirements.txt into it
# (about a minute); later runs reuse it, and reinstall only when requirements.txt changed.
# Set SER_NO_VENV=1 to use the current Python instead (conda, Kaggle, Colab).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$ROOT/.venv"

usage() {
  cat <<'TXT'
Usage:
  ./run_all.sh [--data-dir DIR...] [--profile NAME] [-p NAME VALUE ...] [--artifacts-dir DIR] [--reports-dir DIR]
  ./run_all.sh --test [pytest args]
  ./run_all.sh --app [streamlit args]
  ./run_all.sh --build-model [--data-dir DIR...] [--out DIR]
  ./run_all.sh --help

Runs the notebooks in notebooks/ in order with papermill and renders them to
reports/NN_name.html, reports/index.html, reports/report.html and reports/metrics.json.

  --data-dir DIR   RAVDESS audio (any layout: official zips, Kaggle, flat folder).
                   Several folders train on several corpora together: --data-dir A B C
                   (or repeated --data-dir), e.g. RAVDESS with CREMA-D, TESS and SAVEE
                   (`python -m ser_utils.download --other-corpora` says where to get them).
                   Default: data/ if it holds RAVDESS files, else the synthetic demo
                   corpus, made once under data/demo-corpus/.
  --profile NAME   demo (default on demo data) or full (default on real data), seed004
                   (the seed project's recipe, for comparison), or multi (the full recipe
                   for several corpora: 5 folds dealt per corpus, fewer CRNN epochs).
  -p NAME VALUE    override one parameter, e.g. -p split speaker -p test_actors "[17, 18, 19, 20]"
                   (VALUE is read as YAML). `python -m ser_utils.config` lists every parameter.
  --test [ARGS]    lint with ruff, then run the test suite (pytest ARGS) in the same environment.
  --app [ARGS]     start the web app (Streamlit, app/streamlit_app.py) on http://127.0.0.1:8501,
                   offline: upload or record a clip, see the predicted emotion. It uses
                   the newest bundle under artifacts/, else the shipped model in
                   models/four-corpora (SER_MODEL_DIR=DIR picks another).
  --build-model    rebuild the shipped model, models/four-corpora: the multi profile (classic
                   part: logistic regression) on every speaker of the folders given
                   (RAVDESS, CREMA-D, TESS, SAVEE; one RAVDESS folder: the full profile),
                   with its scores measured in a first training on the first speaker fold
                   of each corpus held out, and its MODEL_CARD.md (about 35 minutes on 2
                   cores for the four corpora; work files in artifacts/.build-model/).

Environment: SER_NO_VENV=1 uses the current Python instead of .venv/.
TXT
}

case "${1:-}" in -h|--help) usage; exit 0;; esac

pick_python() {
  for cand in python3.11 python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  echo "run_all.sh: Python 3.11 or newer is needed (found none on PATH)." >&2
  return 1
}

ensure_env() {
  if [ "${SER_NO_VENV:-0}" = "1" ]; then
    PY="$(pick_python)"
    "$PY" -c 'import ser_utils' 2>/dev/null || "$PY" -m pip install -q -e "$ROOT"
    return 0
  fi
  local stamp="$VENV/.ser-installed" want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/pyproject.toml" | cksum | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ]; then
    local base; base="$(pick_python)"
    echo "run_all.sh: creating $VENV (first use; about a minute) ..." >&2
    "$base" -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "run_all.sh: installing requirements into $VENV ..." >&2
    "$PY" -m pip install -q --upgrade pip >&2
    local req="$ROOT/requirements.txt" extra=()
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
      # An NVIDIA GPU: the regular TensorFlow wheel with its CUDA libraries instead of tensorflow-cpu.
      local tfver; tfver="$(sed -n 's/^tensorflow-cpu\([^ #]*\).*/\1/p' "$req")"
      req="$(mktemp)"; grep -v '^tensorflow-cpu' "$ROOT/requirements.txt" > "$req"
      extra=("tensorflow[and-cuda]$tfver")
      echo "run_all.sh: NVIDIA GPU found, installing tensorflow[and-cuda]$tfver" >&2
    fi
    "$PY" -m pip install -q -r "$req" "${extra[@]}" >&2
    "$PY" -m pip install -q --no-deps -e "$ROOT" >&2
    echo "$want" > "$stamp"
  fi
}

# Browser tests drive the system's Chromium through Playwright (never a downloaded browser):
# install Debian's package when it is missing and we may (root with apt-get); else they skip.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "run_all.sh: installing Chromium for the browser tests (apt-get) ..." >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
      || echo "run_all.sh: could not install chromium; the browser tests will skip" >&2
  fi
}

ensure_env
export PYTHONNOUSERSITE=1
if [ "${1:-}" = "--app" ]; then
  shift
  cd "$ROOT"
  echo "run_all.sh: starting the app on http://127.0.0.1:8501 (or --server.port N); Ctrl-C stops it" >&2
  exec "$PY" -m streamlit run app/streamlit_app.py "$@"
fi
if [ "${1:-}" = "--build-model" ]; then
  shift
  cd "$ROOT"
  exec "$PY" -m ser_utils.build_model "$@"
fi
if [ "${1:-}" = "--test" ]; then
  shift
  cd "$ROOT"
  ensure_chromium
  lint_rc=0
  "$PY" -m ruff check --quiet . || lint_rc=$?   # the lint (pyproject.toml [tool.ruff]); the tests run anyway
  test_rc=0
  "$PY" -m pytest "$@" || test_rc=$?
  [ "$lint_rc" = 0 ] || echo "run_all.sh: ruff found the problems listed above the tests" >&2
  exit $(( test_rc != 0 ? test_rc : lint_rc ))
fi
exec "$PY" -m ser_utils.reporting "$@"
