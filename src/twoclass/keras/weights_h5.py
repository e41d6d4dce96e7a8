"""Keras 3's HDF5 weight layout, as pure translations (checked against files Keras 3.15 itself saved).

Weights live under `layers/<path>/vars/<i>`, where <path> is the layer's class name in snake case, numbered per
class in model order (`dense`, `dense_1`, `batch_normalization`, ...), never the layer's own name; the layer's name
is only an attribute of its `vars` group. A functional model also lists its `input_layer` (with no weights). The
optimizer's variables follow Keras's order under `optimizer/vars`.
"""

from __future__ import annotations

import numpy as np

from twoclass.engine.optimizers import SLOTS_BY_KIND
from twoclass.keras.layers import Normalization, _snake


def layer_paths(model) -> list[str]:
    """Each layer's h5 group, numbered per class in model order as Keras's saving code does."""
    used: dict[str, int] = {}
    paths = []
    classes = (["InputLayer"] if model.is_functional else []) + [type(layer).__name__ for layer in model.layers]
    for class_name in classes:
        base = _snake(class_name)
        count = used.get(base, -1) + 1
        used[base] = count
        paths.append(f"layers/{base}" if count == 0 else f"layers/{base}_{count}")
    return paths[1:] if model.is_functional else paths


def layer_weights(model) -> list[list[np.ndarray]]:
    """Each layer's weights in Keras's order and dtypes (Normalization's count is an int32 scalar)."""
    out = []
    for layer, params, state in zip(model.layers, model.params, model.states):
        arrays = [np.asarray(w, np.float32) for w in layer.keras_weights(params, state)]
        if isinstance(layer, Normalization):
            arrays[2] = np.asarray(layer.count, np.int32)
        out.append(arrays)
    return out


_PARAM_ORDER = ("kernel", "bias", "gamma", "beta")  # each layer's trainable variables, in Keras's order


def optimizer_variables(model) -> list[np.ndarray] | None:
    """The optimizer's state as Keras 3 lists its variables: iterations, the learning rate (unless scheduled), then
    one block of slots per kind, following each optimizer's `build` (Adam interleaves momentum and velocity)."""
    optimizer = model.optimizer
    if optimizer is None:
        return None
    params = [[np.asarray(p[k]) for k in _PARAM_ORDER if k in p] for p in model.params]
    slots = _optimizer_slots(model)
    if slots is None:  # never trained: Keras's fresh values
        fill = getattr(optimizer, "initial_accumulator_value", 0.0)
        fresh = [np.full_like(w, fill) for layer in params for w in layer]
        slots = {name: fresh for name in _KERAS_SLOTS[optimizer.kind]}
    kind = optimizer.kind
    if kind == "adam":  # Keras's Adam.build interleaves each variable's momentum and velocity
        blocks = [w for pair in zip(slots["momentum"], slots["velocity"]) for w in pair]
        blocks += slots["velocity_hat"] if optimizer.amsgrad else []
    elif kind == "sgd":
        blocks = slots["momentum"] if optimizer.momentum != 0 else []
    elif kind == "rmsprop":
        blocks = slots["velocity"] + (slots["momentum"] if optimizer.momentum > 0 else [])
        blocks += slots["average_gradient"] if optimizer.centered else []
    else:
        blocks = slots["accumulator"]
    head = [np.asarray(optimizer.iterations, np.int32)]
    if not hasattr(optimizer.learning_rate, "structure"):
        head.append(np.asarray(optimizer.learning_rate, np.float32))
    return head + [np.asarray(w, np.float32) for w in blocks]


# The slots each rule keeps (the fields of twoclass.engine.optimizers' SGDSlots, AdamSlots, ...).
_KERAS_SLOTS = {kind: cls._fields for kind, cls in SLOTS_BY_KIND.items()}


def _optimizer_slots(model) -> dict[str, list[np.ndarray]] | None:
    """Our optax state's slots by name, each the flat list of its per-variable arrays in Keras's variable order, or
    None when the model has not trained yet."""
    train_state = model.current_train_state()
    if train_state is None:
        return None
    inner = [part for part in train_state.opt_state.inner_state if hasattr(part, "slots")]
    if len(inner) != 1:
        return None
    slots = inner[0].slots
    return {
        name: [np.asarray(tree[k]) for tree in getattr(slots, name) for k in _PARAM_ORDER if k in tree]
        for name in slots._fields
        if getattr(slots, name) != ()
    }


def write_weights(model, h5file) -> None:
    """Write a built model's weights (and its optimizer's state, when compiled) into an open, empty h5py.File, laid
    out as Keras 3 lays them out."""
    h5file.create_group("vars").attrs["name"] = model.name
    h5file.create_group("layers")
    if model.is_functional:
        h5file.create_group("layers/input_layer/vars").attrs["name"] = model.input_name or "input_layer"
    for layer, path, arrays in zip(model.layers, layer_paths(model), layer_weights(model)):
        group = h5file.create_group(f"{path}/vars")
        group.attrs["name"] = layer.name
        for index, array in enumerate(arrays):
            group.create_dataset(str(index), data=array)
    state = optimizer_variables(model)
    if state is not None:
        group = h5file.create_group("optimizer/vars")
        group.attrs["name"] = model.optimizer.name
        for index, array in enumerate(state):
            group.create_dataset(str(index), data=array)


def read_layer_weights(model, h5file) -> list[list[np.ndarray]]:
    """Each layer's arrays from a Keras-layout h5py.File, found by the same class-numbered paths."""
    out = []
    for path in layer_paths(model):
        group = h5file.get(f"{path}/vars")
        if group is None and "_layer_checkpoint_dependencies" in h5file:  # files from Keras 2.13
            group = h5file.get(f"{path.replace('layers', '_layer_checkpoint_dependencies', 1)}/vars")
        keys = sorted(group.keys(), key=int) if group is not None else []
        out.append([np.asarray(group[key]) for key in keys])
    return out


def saved_iterations(h5file) -> int | None:
    """The optimizer's step count in a Keras file (its first optimizer variable), if the file has one."""
    group = h5file.get("optimizer/vars")
    if group is None or "0" not in group or group["0"].shape != ():
        return None
    return int(np.asarray(group["0"]))
