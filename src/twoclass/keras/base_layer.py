"""The base of every layer: its name, the declared number of input features, what the engine asks of a layer
(`structure`, `hyper`, `init`), Keras's config and weight layout, the functional call `Dense(4)(inputs)`, and the
weights as Keras exposes them (`layer.kernel`, `get_weights`, through `variables.py`). The layers themselves are in
`layers.py`.

Example:
    >>> from twoclass.keras.layers import Dense
    >>> layer = Dense(4, input_shape=(2,), name="hidden")
    >>> isinstance(layer, Layer), layer.input_dim, layer.get_config()["name"]
    (True, 2, 'hidden')
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from twoclass.core.validation import check_int
from twoclass.engine.forward import LayerStructure
from twoclass.keras import variables
from twoclass.keras.habits import old_layer_arguments
from twoclass.keras.naming import _snake, unique_name


class Layer:
    """Base class. `input_shape`/`input_dim` on a first layer declare the number of features, as in Keras."""

    kind = ""

    def __init__(
        self,
        *,
        name: str | None = None,
        input_shape=None,
        input_dim: int | None = None,
        trainable: bool = True,
        dtype=None,
        **unknown,
    ):
        if unknown:  # Keras 1's names (init=, output_dim=, ...) get their Keras 3 spelling
            raise TypeError(old_layer_arguments(type(self).__name__, unknown))
        self.name = name or unique_name(_snake(type(self).__name__))
        self.trainable = trainable
        self.input_dim = _input_dim_from(input_shape, input_dim, type(self).__name__)
        self._inbound = None  # set by functional calls

    # -- what the engine asks
    def structure(self) -> NamedTuple:
        return LayerStructure(self.kind)

    def hyper(self) -> dict[str, float]:
        return {}

    def output_dim(self, input_dim: int) -> int:
        return input_dim

    def init(self, rng: np.random.Generator, input_dim: int) -> tuple[dict, dict]:
        """Fresh parameters and state, as NumPy float32 arrays."""
        return {}, {}

    # -- Keras layouts
    def keras_weights(self, params: dict, state: dict) -> list[np.ndarray]:
        return []

    def from_keras_weights(self, weights: list[np.ndarray], input_dim: int) -> tuple[dict, dict]:
        return {}, {}

    def n_keras_weights(self) -> int:
        return 0

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        config = {k: v for k, v in config.items() if k in cls._config_keys() or k == "name"}
        return cls(**config)

    @classmethod
    def _config_keys(cls) -> set[str]:
        import inspect

        return set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}

    # -- the functional form: Dense(4)(inputs); on data, the layer computes (keras/variables.py)
    def __call__(self, inputs):
        from twoclass.keras.functional import SymbolicTensor

        if not isinstance(inputs, SymbolicTensor):
            return variables.call_eagerly(self, inputs)
        return inputs.then(self)

    # -- weights as Keras exposes them: layer.kernel.assign(...), layer.get_weights() (keras/variables.py)
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return variables.layer_variable(self, name)

    @property
    def weights(self) -> list:
        return variables.layer_weights(self)

    def get_weights(self) -> list[np.ndarray]:
        return variables.get_layer_weights(self)

    def set_weights(self, weights: list) -> None:
        variables.set_layer_weights(self, weights)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _input_dim_from(input_shape, input_dim, owner: str) -> int | None:
    if input_shape is not None:
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
        if len(shape) != 1 or not isinstance(shape[0], (int, np.integer)) or shape[0] < 1:
            raise ValueError(
                f"The 'input_shape' parameter of {owner} must be a 1-tuple (n_features,), as twoclass models take "
                f"tables of shape (rows, features). Got {input_shape!r} instead."
            )
        return int(shape[0])
    if input_dim is not None:
        return check_int(input_dim, "input_dim", owner, minimum=1)
    return None
