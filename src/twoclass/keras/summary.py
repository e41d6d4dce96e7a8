"""model.summary(): the table Keras prints, with the same parameter counts."""

from __future__ import annotations

import io

import numpy as np


def _bytes(count: int) -> str:
    size = count * 4.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024


def counts(model) -> tuple[int, int]:
    """(trainable, non-trainable) parameter counts."""
    trainable = sum(int(np.size(leaf)) for p in model.params for leaf in p.values())
    total = model.count_params()
    return trainable, total - trainable


def summarize(model, print_fn=None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    if not model.built and model.input_dim is not None:
        model.build()
    table = Table(box=box.HEAVY_HEAD, show_lines=True)
    table.add_column("Layer (type)")
    table.add_column("Output Shape")
    table.add_column("Param #", justify="right")
    built = model.built
    dims = model.output_dims() if model.input_dim else [None] * len(model.layers)
    for index, (layer, dim) in enumerate(zip(model.layers, dims)):
        if built:
            n = sum(int(np.size(w)) for w in layer.keras_weights(model.params[index], model.states[index]))
            shown = f"{n:,}"
        else:
            shown = "0 (unbuilt)"
        table.add_row(f"{layer.name} ({type(layer).__name__})", f"(None, {dim})" if dim else "?", shown)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=False, color_system=None)
    console.print(f'Model: "{model.name}"')
    console.print(table)
    if built:
        trainable, frozen = counts(model)
        console.print(f" Total params: {trainable + frozen:,} ({_bytes(trainable + frozen)})")
        console.print(f" Trainable params: {trainable:,} ({_bytes(trainable)})")
        console.print(f" Non-trainable params: {frozen:,} ({_bytes(frozen)})")
    text = buffer.getvalue().rstrip("\n")
    (print_fn or print)(text)
