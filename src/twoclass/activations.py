"""Mirrors `keras.activations`: the functions, by name."""

from twoclass.engine.activations import ACTIVATIONS, get

relu = ACTIVATIONS["relu"]
sigmoid = ACTIVATIONS["sigmoid"]
tanh = ACTIVATIONS["tanh"]
linear = ACTIVATIONS["linear"]
elu = ACTIVATIONS["elu"]
selu = ACTIVATIONS["selu"]
gelu = ACTIVATIONS["gelu"]
swish = silu = ACTIVATIONS["swish"]
softplus = ACTIVATIONS["softplus"]
softsign = ACTIVATIONS["softsign"]
leaky_relu = ACTIVATIONS["leaky_relu"]
relu6 = ACTIVATIONS["relu6"]
hard_sigmoid = ACTIVATIONS["hard_sigmoid"]

__all__ = [
    "elu",
    "gelu",
    "get",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]
