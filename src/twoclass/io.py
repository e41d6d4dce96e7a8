"""Model directories: one folder per model, no pickle (implemented in `twoclass.estimator.files` and
`twoclass.saving`).

    model/
      twoclass.json          architecture, preprocessing, labels, threshold, calibration, history, versions
      weights.safetensors    the network's weights

Example:
    >>> save_model_dir(clf, "titanic_model")          # doctest: +SKIP
    >>> load("titanic_model").predict(df.head())        # doctest: +SKIP
"""

from twoclass.estimator.files import load, save_model_dir
from twoclass.saving.network import load_model_dir, network_from_record, network_record

__all__ = ["load", "load_model_dir", "save_model_dir", "network_record", "network_from_record"]
