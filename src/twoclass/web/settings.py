"""The playground's settings: one table of URL keys, read strictly from the page and leniently from a link.

TensorFlow Playground keeps its whole state in the URL hash (``src/state.ts``): ``activation``, ``regularization``,
``batchSize``, ``dataset``, ``learningRate``, ``regularizationRate``, ``noise`` (percent, 0-50), ``networkShape``
(hidden layer sizes, comma separated, empty for none), ``seed`` (a string), ``showTestData``, ``discretize``,
``percTrainData`` (percent) and one boolean per input feature (``x``, ``y``, ``xSquared``, ``ySquared``,
``xTimesY``, ``sinX``, ``sinY``). Those keys mean here what they mean there. Booleans follow its rule: any value
but ``false`` is true. Our additions have keys of their own (``data``, ``loss``, ``optimizer``, ``dropout``,
``layerActivations``, ``threshold``, ``stopEpoch``, ``stopLoss``, ``speed``), so a Playground link opens with the
same setup and ours still say what they add.

This module checks the page's requests (`validate_changes`: a bad value is an error in the usual template);
`links.py` reads and writes the URL (`from_url`: a bad value keeps the default and adds a notice, as the Playground
ignores it).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import random
import zlib
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DATA_KEYS",
    "FEATURES",
    "LIVE_KEYS",
    "PRESETS",
    "STRUCTURE_KEYS",
    "Settings",
    "SettingsError",
    "new_seed",
    "preset",
    "seed_number",
    "validate_changes",
]

# The Playground's input features, in its order (INPUTS in playground.ts), with the labels it draws.
FEATURES: dict[str, str] = {
    "x": "x1",
    "y": "x2",
    "xSquared": "x1^2",
    "ySquared": "x2^2",
    "xTimesY": "x1*x2",
    "sinX": "sin(x1)",
    "sinY": "sin(x2)",
}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
PLAYGROUND_DATASETS = ("circle", "xor", "gauss", "spiral")
DATASETS = PLAYGROUND_DATASETS + ("circles", "upload")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
SPEEDS = ("slow", "normal", "fast", "max")
MAX_LAYERS, MAX_UNITS = 6, 8


class SettingsError(ValueError):
    """A setting the page sent is not allowed; the message follows the house template."""


@dataclass(frozen=True)
class Settings:
    """Everything that decides the data, the network and its training; field names are the URL keys.

    >>> Settings().networkShape, Settings().learningRate
    ((4, 2), 0.03)
    """

    dataset: str = "circle"  # one of DATASETS; the URL writes circles/upload under `data`, not `dataset`
    noise: float = 0.0  # percent, as in the Playground; the generators get noise / 100
    percTrainData: int = 50
    batchSize: int = 10
    learningRate: float = 0.03
    activation: str = "tanh"
    layerActivations: tuple[str, ...] = ("tanh", "tanh")
    networkShape: tuple[int, ...] = (4, 2)
    regularization: str = "none"
    regularizationRate: float = 0.0
    features: tuple[str, ...] = ("x", "y")  # the URL has one boolean key per feature
    seed: str = "0"
    showTestData: bool = False
    discretize: bool = False
    loss: str = "mse"  # the Playground's squared error; "bce" is binary cross-entropy
    optimizer: str = "sgd"
    dropout: float = 0.0
    threshold: float = 0.5
    stopEpoch: int = 0  # 0: never
    stopLoss: float = 0.0  # stop once the test loss is at or below this; 0: never
    speed: str = "normal"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["layerActivations"], out["networkShape"] = list(self.layerActivations), list(self.networkShape)
        out["features"] = list(self.features)
        return out


# Which changes need what: new data (and so a reset), a new network (a reset), or nothing but the new number.
DATA_KEYS = frozenset({"dataset", "noise", "percTrainData", "seed"})
STRUCTURE_KEYS = frozenset(
    {
        "batchSize",
        "activation",
        "layerActivations",
        "networkShape",
        "regularization",
        "regularizationRate",
        "features",
        "loss",
        "optimizer",
        "dropout",
    }
)
LIVE_KEYS = frozenset({"learningRate", "showTestData", "discretize", "threshold", "stopEpoch", "stopLoss", "speed"})

# The slides: Dense(4, tanh) -> Dense(1, sigmoid), SGD(0.5), binary cross-entropy, 20 epochs, batch 32,
# validation_split=0.2 on 1000 red and blue circles with noise 0.08.
_SLIDES: dict[str, Any] = {
    "dataset": "circles",
    "noise": 8.0,
    "percTrainData": 80,
    "batchSize": 32,
    "learningRate": 0.5,
    "activation": "tanh",
    "layerActivations": ("tanh",),
    "networkShape": (4,),
    "regularization": "none",
    "regularizationRate": 0.0,
    "features": ("x", "y"),
    "loss": "bce",
    "optimizer": "sgd",
    "dropout": 0.0,
    "stopEpoch": 20,
    "stopLoss": 0.0,
    "threshold": 0.5,
}

PRESETS: dict[str, dict[str, Any]] = {
    "slides": _SLIDES,
    # What playground.tensorflow.org opens with (State's defaults in state.ts), for the settings the slides set.
    "playground": {name: getattr(Settings(), name) for name in _SLIDES},
}


def preset(name: str, current: Settings) -> Settings:
    """The settings of a preset, keeping the seed and the display toggles of `current`.

    >>> preset("slides", Settings()).networkShape
    (4,)
    """
    if name not in PRESETS:
        raise SettingsError(
            f"The 'preset' setting must be one of {', '.join(map(repr, PRESETS))}. Got {name!r} instead."
        )
    return current.replace(**PRESETS[name])


def seed_number(seed: str) -> int:
    """The integer seed behind the Playground's string seed: a plain integer is itself, any other text its CRC-32.

    >>> seed_number("42"), seed_number("0.12345") == seed_number("0.12345")
    (42, True)
    """
    text = seed.strip()
    if text.isdigit() and int(text) < 2**31:
        return int(text)
    return zlib.crc32(text.encode("utf-8")) % 2**31


def new_seed() -> str:
    return str(random.randrange(100_000))


# ---------------------------------------------------------------------------------------------------- strict reading


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _error(key: str, expected: str, got: Any) -> SettingsError:
    return SettingsError(f"The '{key}' setting must be {expected}. Got {_shown(got)} instead.")


def _number(key: str, value: Any, low: float, high: float, *, integer: bool = False, open_low: bool = False) -> float:
    kind = "an int" if integer else "a number"
    left = "(" if open_low else "["
    expected = f"{kind} in the range {left}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise _error(key, expected, value)
    if integer and float(value) != int(value):
        raise _error(key, expected, value)
    if value < low or value > high or (open_low and value == low):
        raise _error(key, expected, value)
    return int(value) if integer else float(value)


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _error(key, "one of " + ", ".join(map(repr, choices)), value)
    return value


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _error(key, "true or false", value)
    return value


def _shape(value: Any) -> tuple[int, ...]:
    expected = f"a list of at most {MAX_LAYERS} hidden layer sizes, each an int in the range [1, {MAX_UNITS}]"
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise _error("networkShape", expected, value)
    for units in value:
        if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
            raise _error("networkShape", expected, value)
    return tuple(value)


def _layer_activations(value: Any) -> tuple[str, ...]:
    expected = "a list with one of " + ", ".join(map(repr, ACTIVATIONS)) + " per hidden layer"
    if not isinstance(value, (list, tuple)) or any(item not in ACTIVATIONS for item in value):
        raise _error("layerActivations", expected, value)
    return tuple(value)


def _features(value: Any) -> tuple[str, ...]:
    expected = "a non-empty list of input features from " + ", ".join(map(repr, FEATURES))
    if not isinstance(value, (list, tuple)) or not value or any(item not in FEATURES for item in value):
        raise _error("features", expected, value)
    return tuple(name for name in FEATURES if name in value)  # the Playground's order, whatever was sent


_CHECKS: dict[str, Any] = {
    "dataset": lambda v: _choice("dataset", v, DATASETS),
    "noise": lambda v: _number("noise", v, 0, 50),
    "percTrainData": lambda v: _number("percTrainData", v, 10, 90, integer=True),
    "batchSize": lambda v: _number("batchSize", v, 1, 256, integer=True),
    "learningRate": lambda v: _number("learningRate", v, 0, 10, open_low=True),
    "activation": lambda v: _choice("activation", v, ACTIVATIONS),
    "layerActivations": _layer_activations,
    "networkShape": _shape,
    "regularization": lambda v: _choice("regularization", v, ("none", "L1", "L2")),
    "regularizationRate": lambda v: _number("regularizationRate", v, 0, 10),
    "features": _features,
    "seed": lambda v: (
        v
        if isinstance(v, str) and 0 < len(v.strip()) <= 40
        else _error_raise("seed", "a non-empty string of at most 40 characters", v)
    ),
    "showTestData": lambda v: _boolean("showTestData", v),
    "discretize": lambda v: _boolean("discretize", v),
    "loss": lambda v: _choice("loss", v, ("mse", "bce")),
    "optimizer": lambda v: _choice("optimizer", v, ("sgd", "adam")),
    "dropout": lambda v: _number("dropout", v, 0, 0.9),
    "threshold": lambda v: _number("threshold", v, 0.01, 0.99),
    "stopEpoch": lambda v: _number("stopEpoch", v, 0, 1_000_000, integer=True),
    "stopLoss": lambda v: _number("stopLoss", v, 0, 10),
    "speed": lambda v: _choice("speed", v, SPEEDS),
}


def _error_raise(key: str, expected: str, value: Any) -> Any:
    raise _error(key, expected, value)


def consistent_activations(settings: Settings, changed: set[str]) -> Settings:
    """Keep one activation per hidden layer: a new global activation sets every layer (the Playground has only the
    global one); a new shape keeps the layers' own choices and gives new layers the global one."""
    layers = len(settings.networkShape)
    if "activation" in changed and "layerActivations" not in changed:
        return settings.replace(layerActivations=(settings.activation,) * layers)
    own = settings.layerActivations[:layers]
    return settings.replace(layerActivations=own + (settings.activation,) * (layers - len(own)))


def validate_changes(current: Settings, changes: Any) -> Settings:
    """The settings after `changes` (a dict keyed by URL key, JSON values), or SettingsError naming the bad one.

    >>> validate_changes(Settings(), {"networkShape": [3]}).layerActivations
    ('tanh',)
    >>> try:
    ...     validate_changes(Settings(), {"learningRate": -1})
    ... except SettingsError as error:
    ...     print(error)
    The 'learningRate' setting must be a number in the range (0, 10]. Got -1 instead.
    """
    if not isinstance(changes, dict):
        raise SettingsError(f"Settings must be sent as a JSON object of key: value. Got {_shown(changes)} instead.")
    unknown = sorted(set(changes) - set(_CHECKS))
    if unknown:
        raise SettingsError(f"Unknown setting {unknown[0]!r}. Known settings: {', '.join(sorted(_CHECKS))}.")
    checked = {key: _CHECKS[key](value) for key, value in changes.items()}
    settings = consistent_activations(current.replace(**checked), set(checked))
    if "layerActivations" in checked and len(checked["layerActivations"]) != len(settings.networkShape):
        raise _error(
            "layerActivations",
            f"a list of {len(settings.networkShape)} activations (one per hidden layer)",
            list(checked["layerActivations"]),
        )
    return settings
