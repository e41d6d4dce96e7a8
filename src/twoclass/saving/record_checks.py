"""The entries of a classifier's twoclass.json, checked for presence, type and range before anything is built.

Each problem is one ValueError in the template of `twoclass.core.validation` that names the entry and where it sits
("The 'value' entry of threshold must be a float in the range (0, 1). Got 5.0 instead."); the reader adds the file.
The preprocessing record's own entries are checked where it is rebuilt (`twoclass.data`), the estimator's
parameters where the estimator is made; here: what every reader of a classifier relies on.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from twoclass.core.validation import invalid, stored_entry

CLASSIFIER_ENTRIES = (
    "estimator",
    "input",
    "preprocessing",
    "labels",
    "threshold",
    "calibration",
    "history",
    "best_epoch",
    "validation_figures",
    "seed",
)


entry = stored_entry  # the entry of a stored record, present, or the standard error


def finite(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: Any, name: str, owner: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid(name, owner, f"an int >= {minimum}", value, kind="entry")


def _object(value: Any, name: str, owner: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(name, owner, "an object", value, kind="entry")
    return value


def _strings(value: Any, name: str, owner: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(name, owner, "a list of strings", value, kind="entry")
    return value


def check_classifier(meta: dict[str, Any]) -> None:
    """Presence, types and ranges of a classifier record's entries (see the module)."""
    owner = "twoclass.json"
    for name in CLASSIFIER_ENTRIES:
        entry(meta, name, owner)
    estimator = _object(meta["estimator"], "estimator", owner)
    _object(entry(estimator, "params", "estimator"), "params", "estimator")
    if estimator.get("class") != "TwoClassClassifier":
        raise invalid("class", "estimator", "'TwoClassClassifier'", estimator.get("class"), kind="entry")

    source = _object(meta["input"], "input", owner)
    if entry(source, "kind", "input") not in ("frame", "array"):
        raise invalid("kind", "input", "'frame' or 'array'", source["kind"], kind="entry")
    columns = _strings(entry(source, "columns", "input"), "columns", "input")
    _integer(entry(source, "n_features_in", "input"), "n_features_in", "input", 1)
    if source["n_features_in"] != len(columns):
        raise invalid(
            "n_features_in", "input", f"the number of columns ({len(columns)})", source["n_features_in"], kind="entry"
        )
    if source.get("feature_names_in") is not None:
        _strings(source["feature_names_in"], "feature_names_in", "input")

    _object(meta["preprocessing"], "preprocessing", owner)
    labels = _object(meta["labels"], "labels", owner)
    for side in ("negative", "positive"):
        value = entry(labels, side, "labels")
        if not (isinstance(value, (str, bool)) or finite(value)):
            raise invalid(side, "labels", "a string, number or bool", value, kind="entry")
    if labels["negative"] == labels["positive"] and type(labels["negative"]) is type(labels["positive"]):
        raise invalid("positive", "labels", "different from the negative label", labels["positive"], kind="entry")

    threshold = _object(meta["threshold"], "threshold", owner)
    value = entry(threshold, "value", "threshold")
    if not finite(value) or not 0.0 < value < 1.0:
        raise invalid("value", "threshold", "a float in the range (0, 1)", value, kind="entry")
    if not isinstance(entry(threshold, "objective", "threshold"), str):
        raise invalid("objective", "threshold", "a string", threshold["objective"], kind="entry")

    _check_calibration(meta["calibration"])
    history = _object(meta["history"], "history", owner)
    for key, values in history.items():
        if not isinstance(values, list) or not all(v is None or isinstance(v, numbers.Real) for v in values):
            raise invalid(key, "history", "a list of numbers", values, kind="entry")
    _integer(meta["best_epoch"], "best_epoch", owner, 0)
    _integer(meta.get("n_networks", 1), "n_networks", owner, 1)
    _object(meta["validation_figures"], "validation_figures", owner)
    _integer(meta["seed"], "seed", owner, -(2**63))


def _check_calibration(calibration: Any) -> None:
    if calibration is None:
        return
    _object(calibration, "calibration", "twoclass.json")
    kind = entry(calibration, "kind", "calibration")
    if kind == "temperature":
        value = entry(calibration, "temperature", "calibration")
        if not finite(value) or value <= 0:
            raise invalid("temperature", "calibration", "a finite float > 0", value, kind="entry")
    elif kind == "platt":
        for name in ("a", "b"):
            if not finite(entry(calibration, name, "calibration")):
                raise invalid(name, "calibration", "a finite float", calibration[name], kind="entry")
    else:
        raise invalid("kind", "calibration", "'platt' or 'temperature'", kind, kind="entry")
