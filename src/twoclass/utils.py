"""Mirrors the parts of `keras.utils` that two-class tutorials use."""

from twoclass.core.seeding import set_random_seed
from twoclass.keras.layers import clear_session


def plot_model(model, to_file: str = "model.png", *args, **kwargs) -> None:
    """Refused in one line, as Keras 3 refuses it without pydot and Graphviz; `model.summary()` lists the layers.

    >>> plot_model(None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: plot_model draws with pydot and Graphviz, which twoclass does not use: model.summary() prints ...
    """
    raise ValueError(
        "plot_model draws with pydot and Graphviz, which twoclass does not use: model.summary() prints the layers, "
        "their output shapes and parameter counts."
    )


__all__ = ["clear_session", "plot_model", "set_random_seed"]
