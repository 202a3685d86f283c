"""ser_utils: speech emotion recognition on RAVDESS, the logic behind the notebook series.

Importing the package is cheap: TensorFlow is imported only by the modules that build,
train or load a model (``model``, ``train``, ``bundle``, ``predict``).

Modules, lower layers first (a module imports only from the ones above it):

- ``errors``, ``config``: exceptions; every parameter, profile and path
- ``env``: local, Kaggle or Colab; where the data is
- ``ravdess``, ``audio``, ``data``, ``download``, ``synth``: names, audio I/O, corpus scan, download, demo corpus
- ``features``, ``augment``, ``split``, ``balance``, ``normalise``, ``prepare``: model inputs, without leakage
- ``model``, ``train``, ``evaluate``, ``plots``, ``bundle``, ``predict``: the CRNN and its verdict
- ``pipeline``: the notebooks' steps (what each loads from and saves to the artifacts folder)
- ``report``: runs the notebooks and writes the HTML reports and metrics.json
"""

from .config import EMOTIONS
from .errors import SERError

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "SERError", "__version__"]
