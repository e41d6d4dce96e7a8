"""The functional form, `Model(inputs, outputs)`, for a single chain of layers."""

from __future__ import annotations

from typing import NamedTuple


class SymbolicTensor(NamedTuple):
    """What `Input(...)` and `layer(tensor)` return: the input layer and the layers applied since, in order."""

    input_layer: object
    layers: tuple

    @property
    def shape(self):
        return (None, self.input_layer.input_dim)

    def then(self, layer) -> SymbolicTensor:
        return SymbolicTensor(self.input_layer, self.layers + (layer,))


def chain_between(inputs, outputs) -> tuple[object, list]:
    """The input layer and the list of layers from `inputs` to `outputs`, or a clear error if they do not chain."""
    if isinstance(inputs, (list, tuple)) and not isinstance(inputs, SymbolicTensor):
        if len(inputs) != 1:
            raise ValueError(f"twoclass models take one input table. Received {len(inputs)} inputs.")
        inputs = inputs[0]
    if isinstance(outputs, (list, tuple)) and not isinstance(outputs, SymbolicTensor):
        if len(outputs) != 1:
            raise ValueError(f"twoclass models have one output. Received {len(outputs)} outputs.")
        outputs = outputs[0]
    if not isinstance(inputs, SymbolicTensor) or not isinstance(outputs, SymbolicTensor):
        raise TypeError(
            "Model(inputs, outputs) expects `inputs = Input(shape=(n,))` and `outputs` built by calling "
            f"layers on it. Received: inputs={type(inputs).__name__}, outputs={type(outputs).__name__}."
        )
    if outputs.input_layer is not inputs.input_layer or outputs.layers[: len(inputs.layers)] != inputs.layers:
        raise ValueError(
            "The model's outputs were not computed from its inputs: build outputs by calling layers on the same Input."
        )
    return inputs.input_layer, list(outputs.layers[len(inputs.layers) :])
