"""Links: the playground's settings in the URL hash, read as TensorFlow Playground reads its own.

`from_url` follows `State.deserializeState` in the Playground's src/state.ts: a key counts when present and not
blank, numbers are read as typed, any boolean but ``false`` is true, an empty ``networkShape`` is no hidden layer.
A value it cannot use keeps the default and adds a notice: a link must open. `to_url` writes the Playground's keys
in its order, then ours (only where they differ from the defaults).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import parse_qsl, quote

from .settings import (
    ACTIVATIONS,
    FEATURES,
    MAX_LAYERS,
    MAX_UNITS,
    PLAYGROUND_DATASETS,
    SPEEDS,
    Settings,
    consistent_activations,
    new_seed,
)

__all__ = ["from_url", "parse_hash", "to_url"]


def parse_hash(text: str) -> dict[str, str]:
    """A URL hash (with or without '#') as {key: value}, split as the Playground splits it (on '&' and '=').

    >>> parse_hash("#x=true&networkShape=4,2")
    {'x': 'true', 'networkShape': '4,2'}
    """
    text = (text or "").lstrip("#")
    return dict(parse_qsl(text, keep_blank_values=True))


def from_url(text: str) -> tuple[Settings, list[str]]:
    """Settings from a URL hash, read as TensorFlow Playground reads its own (`State.deserializeState`).

    Unknown values keep the default and add a notice instead of failing: a link must open.

    >>> s, notes = from_url("activation=relu&networkShape=3&x=true&y=false&sinX=true&seed=0.5")
    >>> s.activation, s.networkShape, s.features, notes
    ('relu', (3,), ('x', 'sinX'), [])
    """
    values = parse_hash(text)
    notices: list[str] = []
    settings = Settings(seed=new_seed())

    def present(key: str) -> bool:  # the Playground's hasKey: there and not blank
        return key in values and values[key].strip() != ""

    def number(key: str) -> float | None:
        try:
            value = float(values[key])
        except ValueError:
            notices.append(f"Ignored {key}={values[key]!r}: not a number.")
            return None
        return value if math.isfinite(value) else None

    changes: dict[str, Any] = {}
    for key in ("activation", "regularization", "dataset"):
        choices = {"activation": ACTIVATIONS, "regularization": ("none", "L1", "L2"), "dataset": PLAYGROUND_DATASETS}[
            key
        ]
        if present(key):
            if values[key] in choices:
                changes[key] = values[key]
            else:
                notices.append(f"Ignored {key}={values[key]!r}: expected one of {', '.join(choices)}.")
    if present("problem") and values["problem"] == "regression":
        notices.append(
            "This playground classifies two classes; the Playground's regression problem opened as classification."
        )
    ranges = {
        "batchSize": (1, 256, True),
        "learningRate": (0, 10, False),
        "regularizationRate": (0, 10, False),
        "noise": (0, 50, False),
        "percTrainData": (10, 90, True),
        "dropout": (0, 0.9, False),
        "threshold": (0.01, 0.99, False),
        "stopEpoch": (0, 1_000_000, True),
        "stopLoss": (0, 10, False),
    }
    for key, (low, high, integer) in ranges.items():
        if present(key) and (value := number(key)) is not None:
            clipped = min(max(value, low), high)
            if key == "learningRate" and clipped <= 0:
                notices.append(f"Ignored learningRate={values[key]!r}: it must be above 0.")
                continue
            if clipped != value:
                notices.append(f"{key}={values[key]} is outside [{low:g}, {high:g}]; using {clipped:g}.")
            changes[key] = round(clipped) if integer else clipped
    if "networkShape" in values:  # present even when blank: an empty shape means no hidden layer
        shape = []
        for part in [p for p in values["networkShape"].split(",") if p.strip() != ""]:
            try:
                units = int(float(part))
            except ValueError:
                notices.append(f"Ignored a layer size {part!r} in networkShape.")
                continue
            shape.append(min(max(units, 1), MAX_UNITS))
            if not 1 <= units <= MAX_UNITS:
                notices.append(f"A layer of {units} neurons became {shape[-1]}: layers have 1 to {MAX_UNITS}.")
        if len(shape) > MAX_LAYERS:
            notices.append(f"Kept the first {MAX_LAYERS} of {len(shape)} hidden layers.")
        changes["networkShape"] = tuple(shape[:MAX_LAYERS])
    if present("seed"):
        changes["seed"] = values["seed"].strip()[:40]
    for key in ("showTestData", "discretize"):
        if present(key):
            changes[key] = values[key] != "false"
    if any(present(name) for name in FEATURES):
        on = [name for name in FEATURES if (values[name] != "false" if present(name) else name in settings.features)]
        if on:
            changes["features"] = tuple(on)
        else:
            notices.append("The link turns every input feature off; x1 and x2 stay on.")
    for key, choices in (
        ("loss", ("mse", "bce")),
        ("optimizer", ("sgd", "adam")),
        ("speed", SPEEDS),
        ("data", ("circles", "upload")),
    ):
        if present(key):
            if values[key] in choices:
                changes["dataset" if key == "data" else key] = values[key]
            else:
                notices.append(f"Ignored {key}={values[key]!r}: expected one of {', '.join(choices)}.")
    if changes.get("dataset") == "upload":  # uploaded points live in the page's session, not in a link
        changes["dataset"] = "circle"
        notices.append("The link names uploaded data, which a link cannot carry; upload the CSV file again.")
    settings = consistent_activations(settings.replace(**changes), set(changes) - {"layerActivations"})
    if present("layerActivations"):
        own = tuple(values["layerActivations"].split(","))
        if len(own) == len(settings.networkShape) and all(item in ACTIVATIONS for item in own):
            settings = settings.replace(layerActivations=own)
        else:
            notices.append(
                f"Ignored layerActivations={values['layerActivations']!r}: expected one of "
                f"{', '.join(ACTIVATIONS)} for each of the {len(settings.networkShape)} hidden layers."
            )
    return settings, notices


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def to_url(settings: Settings) -> str:
    """The URL hash (without '#') for `settings`: the Playground's keys in its order, then ours.

    >>> to_url(Settings(seed="7"))[:58]
    'activation=tanh&regularization=none&batchSize=10&dataset=c'
    """
    s = settings
    parts = [
        ("activation", s.activation),
        ("regularization", s.regularization),
        ("batchSize", s.batchSize),
        ("dataset", s.dataset if s.dataset in PLAYGROUND_DATASETS else "circle"),
        ("learningRate", _number_text(s.learningRate)),
        ("regularizationRate", _number_text(s.regularizationRate)),
        ("noise", _number_text(s.noise)),
        ("networkShape", ",".join(map(str, s.networkShape))),
        ("seed", s.seed),
        ("showTestData", str(s.showTestData).lower()),
        ("discretize", str(s.discretize).lower()),
        ("percTrainData", s.percTrainData),
    ]
    parts += [(name, str(name in s.features).lower()) for name in FEATURES]
    if s.dataset not in PLAYGROUND_DATASETS:
        parts.append(("data", s.dataset))
    parts += [("loss", s.loss), ("optimizer", s.optimizer)]
    if any(a != s.activation for a in s.layerActivations):
        parts.append(("layerActivations", ",".join(s.layerActivations)))
    defaults = Settings()
    for key in ("dropout", "threshold", "stopEpoch", "stopLoss", "speed"):
        value = getattr(s, key)
        if value != getattr(defaults, key):
            parts.append((key, value if isinstance(value, str) else _number_text(value)))
    return "&".join(f"{key}={quote(str(value), safe=',.-_')}" for key, value in parts)
