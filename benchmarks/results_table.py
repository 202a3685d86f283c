"""Render ``benchmarks/results.jsonl`` as a markdown table; :func:`append_result` writes its lines.

One row per (experiment, scorer): the model's row and the SVM baselines' rows measured
on the same folds. Usage::

    python benchmarks/results_table.py [--results benchmarks/results.jsonl] [--no-baselines]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.jsonl"


def append_result(path: Path, result: dict, *, indent: str = "  ") -> None:
    """Append one experiment as a JSON line to ``path`` (made with its folder when absent) and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
    print(f"{indent}appended to {path}")


def _ms(s: dict) -> str:
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def rows(results: Path, *, baselines: bool = True) -> list[str]:
    """Markdown table lines, one per experiment and scorer, in file order."""
    out = [
        "| # | setting | scorer | protocol / folds | UAR mean ± std | accuracy mean ± std "
        "| train s/fold | minutes | date | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, line in enumerate(results.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        r = json.loads(line)
        n = len(r["runs"])
        prot = "random 80/20" if r["protocol"] == "random" else f"speaker, {n}/{r['n_folds']} folds"
        for scorer, s in r.get("summary", {}).items():
            if not ("uar" in s and "accuracy" in s):  # a figure of its own (the product runs: a UAR per part)
                s = {"uar": s, "accuracy": {"mean": float("nan"), "std": float("nan")}} if "mean" in s else None
            if s is None:
                continue
            is_model = not scorer.startswith(("svm", "logreg"))
            if not is_model and not baselines:
                continue
            train = f"{r['train_s_mean']:.0f}" if is_model and "train_s_mean" in r else ""
            minutes = f"{r['minutes']:.1f}" if "minutes" in r else ""  # the product runs record per-fold times
            out.append(
                f"| {i} | {r['name']} | {scorer} | {prot} | {_ms(s['uar'])} | {_ms(s['accuracy'])} | {train} | "
                f"{minutes} | {r['date'][:10]} | {r['machine'].get('load_at_start', '')} |"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line: parse ``argv`` and print the results table.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name; None = ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status (0).
    """
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--no-baselines", action="store_true")
    args = ap.parse_args(argv)
    print("\n".join(rows(args.results, baselines=not args.no_baselines)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
