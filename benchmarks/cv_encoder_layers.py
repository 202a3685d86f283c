"""The Whisper-base encoder's middle layers as features, over speaker folds (issue 18 item 4).

CTranslate2's ``Whisper.encode`` returns the last encoder layer only (after the encoder's
final layer norm); it has no option for the hidden states of the layers below. A model whose
``model.bin`` lacks the top encoder layers does give them: CTranslate2 builds as many encoder
layers as the file holds variables for (``encoder/layer_0`` ... ``layer_K``), so a copy of the
verified weights without ``encoder/layer_L`` and above returns layer ``L - 1``'s output, through
the same final layer norm. This script makes that copy in memory (:func:`truncate_encoder`:
the model file is parsed, nothing is converted) for each ``--layers L`` and runs
``cv_encoder.py`` on it with a cache of its own, so each ``L`` is scored with the same heads,
folds and handcrafted features as the full encoder (``L = 6``).

An experiment, not a product option: if a middle layer wins, the encoder settings would carry
the layer count (and the cache key with it).

Usage::

    python benchmarks/cv_encoder_layers.py --layers 3 4 5 6 [cv_encoder.py options ...]
"""

from __future__ import annotations

import argparse
import io
import re
import struct
import sys
import tempfile
from pathlib import Path

import cv_encoder

from ser_utils.features import encoder

N_ENCODER_LAYERS = 6  # Whisper base
_ORIGINAL = encoder.read_weights, encoder.encoder_settings


def _string(f: io.BytesIO) -> str:
    (n,) = struct.unpack("<H", f.read(2))
    return f.read(n)[:-1].decode()


def _variables(data: bytes) -> tuple[int, list[tuple[str, int, int]]]:
    """The byte offset of the variable count, and each variable's (name, start, end) in a CTranslate2 model.bin."""
    f = io.BytesIO(data)
    (version,) = struct.unpack("<I", f.read(4))
    if version < 4:
        raise SystemExit(f"model.bin binary version {version}: this parser reads versions 4 and above")
    _string(f)  # the spec name
    f.read(4)  # its revision
    count_at = f.tell()
    (n,) = struct.unpack("<I", f.read(4))
    out = []
    for _ in range(n):
        start = f.tell()
        name = _string(f)
        (rank,) = struct.unpack("<B", f.read(1))
        f.read(4 * rank + 1)  # the shape, then the dtype
        (nbytes,) = struct.unpack("<I", f.read(4))
        f.seek(nbytes, 1)
        out.append((name, start, f.tell()))
    return count_at, out


def truncate_encoder(data: bytes, *, layers: int) -> bytes:
    """The model.bin ``data`` with encoder layers ``layers`` and above removed (the rest byte for byte)."""
    count_at, variables = _variables(data)
    keep = [v for v in variables if not (m := re.match(r"encoder/layer_(\d+)/", v[0])) or int(m[1]) < layers]
    body = b"".join(data[s:e] for _, s, e in keep)
    return data[:count_at] + struct.pack("<I", len(keep)) + body + data[variables[-1][2]:]


def _use_layers(layers: int) -> None:
    """Make the encoder module load (and cache under its own name) the first ``layers`` layers."""
    read, settings = _ORIGINAL

    def read_truncated(*args, **kwargs):
        files = dict(read(*args, **kwargs))  # the verified bytes
        files["model.bin"] = truncate_encoder(files["model.bin"], layers=layers)
        return files

    def named(cfg):
        return {**settings(cfg), "encoder": f"{encoder.ENCODER_NAME}-layers-{layers}"}

    encoder._model.cache_clear()
    encoder.read_weights = read_truncated if layers < N_ENCODER_LAYERS else read
    encoder.encoder_settings = named if layers < N_ENCODER_LAYERS else settings


def main(argv: list[str] | None = None) -> int:
    """Run ``cv_encoder.py`` once per ``--layers`` value (other options are passed on); returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[3, 4, 5, 6])
    args, rest = ap.parse_known_args(argv)
    for layers in args.layers:
        if not 1 <= layers <= N_ENCODER_LAYERS:
            raise SystemExit(f"--layers takes 1-{N_ENCODER_LAYERS}, got {layers}")
        _use_layers(layers)
        cache = tempfile.mkdtemp(prefix=f"enc-layers-{layers}-")
        name = f"whisper-base encoder layers 1-{layers} of {N_ENCODER_LAYERS} (stats mean+std), heads on speaker folds"
        cv_encoder.main([*rest, "--cache-dir", cache, "--name", name])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
