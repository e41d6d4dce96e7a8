"""A fitted TwoClassClassifier as the JSON part of a model directory, and back. Plain JSON types only.

Constructor parameters keep their exact Python types through JSON: tuples and dicts (whose keys may be ints or
bools, as class_weight's are) are tagged, so a loaded estimator's get_params() equals the saved one's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

INPUT_KINDS = ("frame", "array")


def encode_param(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [encode_param(v) for v in value]}
    if isinstance(value, list):
        return [encode_param(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode_param(k), encode_param(v)] for k, v in value.items()]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"parameter value {value!r} of type {type(value).__name__} cannot be stored as JSON")


def decode_param(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_param(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode_param(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {decode_param(k): decode_param(v) for k, v in value["__dict__"]}
        raise ValueError(f"unexpected object in the stored parameters: {value!r}")
    return value


def estimator_meta(estimator) -> tuple[dict[str, Any], Any]:
    """The JSON record of a fitted estimator (everything but the network's weights) and its network."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    if params.get("random_state") is not None and not isinstance(params["random_state"], (int, np.integer)):
        params["random_state"] = int(estimator.seed_)  # a RandomState object is not JSON; its draw is kept
    names = getattr(estimator, "feature_names_in_", None)
    meta = {
        "estimator": {"class": type(estimator).__name__, "params": {k: encode_param(v) for k, v in params.items()}},
        "input": {
            "kind": estimator.input_kind_,
            "columns": list(estimator.input_columns_),
            "n_features_in": int(estimator.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
        },
        "preprocessing": estimator.preprocessor_.to_dict(),
        "labels": estimator.label_encoding_.to_dict(),
        "threshold": estimator.threshold_.to_dict(),
        "calibration": None if estimator.calibrator_ is None else estimator.calibrator_.to_dict(),
        "history": estimator.history_,
        "best_epoch": int(estimator.best_epoch_),
        "n_networks": int(estimator.n_networks_),
        "validation_figures": estimator.validation_figures_,
        "seed": int(estimator.seed_),
    }
    if getattr(estimator, "recipe_", None) is not None:  # recipe='auto': what it trained and kept (a plain dict)
        meta["recipe"] = estimator.recipe_
    return meta, estimator.model_


def stored_params(meta: dict[str, Any]) -> dict[str, Any]:
    """The constructor parameters stored in a model directory's JSON, with their Python types."""
    info = meta["estimator"]
    if info.get("class") != "TwoClassClassifier":
        raise ValueError(f"the estimator class is {info.get('class')!r}, not 'TwoClassClassifier'")
    return {k: decode_param(v) for k, v in info["params"].items()}


def restore_fitted(estimator, meta: dict[str, Any], network) -> Any:
    """Give a new estimator (made from `stored_params`) the fitted state stored in `meta`, around an already
    rebuilt network; returns it."""
    from twoclass.calibration import calibrator_from_dict
    from twoclass.data import LabelEncoding, Preprocessor
    from twoclass.threshold import ThresholdChoice

    source = meta["input"]
    if source["kind"] not in INPUT_KINDS:
        raise ValueError(f"the input kind is {source['kind']!r}")
    estimator.input_kind_ = source["kind"]
    estimator.input_columns_ = [str(c) for c in source["columns"]]
    estimator.n_features_in_ = int(source["n_features_in"])
    if source.get("feature_names_in") is not None:
        estimator.feature_names_in_ = np.array(source["feature_names_in"], dtype=object)
    estimator.preprocessor_ = Preprocessor.from_dict(meta["preprocessing"])
    if estimator.preprocessor_.n_features_out_ != network.input_shape[1]:
        raise ValueError(
            f"the preprocessing gives {estimator.preprocessor_.n_features_out_} features but the "
            f"network takes {network.input_shape[1]}"
        )
    estimator.label_encoding_ = LabelEncoding.from_dict(meta["labels"])
    estimator.classes_ = np.array(estimator.label_encoding_.classes)
    estimator.threshold_ = ThresholdChoice.from_dict(meta["threshold"])
    estimator.calibrator_ = None if meta["calibration"] is None else calibrator_from_dict(meta["calibration"])
    estimator.history_ = {
        str(k): [float("nan") if v is None else float(v) for v in values] for k, values in meta["history"].items()
    }
    estimator.best_epoch_ = int(meta["best_epoch"])
    estimator.n_networks_ = int(meta.get("n_networks", 1))
    estimator.validation_figures_ = dict(meta["validation_figures"])
    estimator.seed_ = int(meta["seed"])
    estimator.recipe_ = dict(meta["recipe"]) if isinstance(meta.get("recipe"), dict) else None
    estimator.model_ = network
    return estimator
