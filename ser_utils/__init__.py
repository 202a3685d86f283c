"""ser_utils: speech emotion recognition, the logic behind the notebook series.

The sub-packages are the pipeline, in order (a part imports only its own layer and the
ones below it; ``docs/ARCHITECTURE.md`` has the contracts):

- ``errors``, ``config``, ``files``: exceptions; every parameter, profile and notebook's
  parameter list; the one atomic write and JSON encoder
- ``data``: audio files -> a manifest (names, decoding, the scan, download, demo corpus)
- ``features``: manifest -> log-mels, pooled vectors, encoder frames (cached, parallel)
- ``prep``: split, augment, normalise, balance, without leakage
- ``models``: the CRNN, the classic model, the encoder heads, the fused bundle, predict
  (the only part that imports TensorFlow)
- ``evaluation``: metrics, breakdowns, figures
- ``pipeline``: the notebooks' steps; ``app``: the web app's logic
- ``reporting``: runs the notebooks and writes the HTML reports and metrics.json

Importing the package is cheap: TensorFlow is imported only by ``ser_utils.models``' modules
that build, train or load a Keras model.
"""

from .config import EMOTIONS
from .errors import SERError

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "SERError", "__version__"]
