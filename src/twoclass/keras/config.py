"""Keras 3's formats, as pure translations: model configs (JSON).

Everything here mirrors what Keras 3.15 writes, checked against files Keras itself saved:
- a Sequential config lists an `InputLayer` first, then each layer as {"module", "class_name", "config",
  "registered_name", "build_config"}; a functional `Model` is written as Keras's real `Functional` config (each
  layer with `inbound_nodes` naming the layer before it), so `keras.models.load_model` gives back a functional model;
- weights (the HDF5 layout) are in `weights_h5.py`; models are rebuilt from configs in `loading.py`.
File handling (zip archives, atomic writes, errors about files) lives in `archive.py`.
"""

from __future__ import annotations

from typing import Any

from twoclass.keras import losses as losses
from twoclass.keras import metrics as metrics_module
from twoclass.keras import optimizers as optimizers
from twoclass.keras.layers import LAYER_CLASSES, InputLayer

_DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
# Layers whose Keras `build` records an input shape, so Keras writes a per-layer build_config for them.
_BUILT_WITH_SHAPE = {"Dense", "BatchNormalization", "Normalization"}
_VARIANCE_SCALING = {
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
}
# Keys Keras writes that twoclass layers do not take, with the only value twoclass can honour.
_KERAS_ONLY = {
    "quantization_config": None,
    "kernel_constraint": None,
    "bias_constraint": None,
    "renorm": False,
    "renorm_clipping": None,
    "renorm_momentum": None,
    "synchronized": False,
    "beta_constraint": None,
    "gamma_constraint": None,
    "beta_regularizer": None,
    "gamma_regularizer": None,
    "noise_shape": None,
    "invert": False,
    "activity_regularizer": None,
}
_ANY_VALUE = {"renorm_momentum"}  # ignored whatever its value: it matters only with renorm=True


class UnsupportedModel(ValueError):
    """A Keras model twoclass cannot rebuild (a layer type or a graph shape it does not have)."""


# --------------------------------------------------------------------------------------------------------------------
# twoclass -> Keras config


def _initializer_config(entry: dict) -> dict:
    # Keras 3.15's variance-scaling initializers also write input_axes/output_axes (None unless set).
    if entry["class_name"] in _VARIANCE_SCALING:
        entry = {**entry, "config": {**entry["config"], "input_axes": None, "output_axes": None}}
    return entry


def keras_layer_config(layer) -> dict[str, Any]:
    """A layer's `config` as Keras 3.15 writes it (twoclass's own get_config plus Keras's extra default keys)."""
    config = dict(layer.get_config())
    name = type(layer).__name__
    if name == "Dense":
        config["kernel_initializer"] = _initializer_config(config["kernel_initializer"])
        config["bias_initializer"] = _initializer_config(config["bias_initializer"])
        config["quantization_config"] = None
    elif name == "BatchNormalization":
        config.update(renorm=False, renorm_clipping=None, renorm_momentum=0.99)
    return config


def _input_layer_entry(name: str, input_dim: int | None) -> dict[str, Any]:
    config = {
        "batch_shape": [None, input_dim],
        "dtype": "float32",
        "sparse": False,
        "ragged": False,
        "name": name,
        "optional": False,
    }
    return {"module": "keras.layers", "class_name": "InputLayer", "config": config, "registered_name": None}


def _layer_entries(model) -> list[dict[str, Any]]:
    dims = [model.input_dim, *model.output_dims()] if model.input_dim else [None] * (len(model.layers) + 1)
    entries = []
    for layer, input_dim in zip(model.layers, dims):
        class_name = type(layer).__name__
        entry = {
            "module": "keras.layers",
            "class_name": class_name,
            "config": keras_layer_config(layer),
            "registered_name": None,
        }
        if input_dim and class_name in _BUILT_WITH_SHAPE:
            entry["build_config"] = {"input_shape": [None, input_dim]}
        entries.append(entry)
    return entries


def compile_config(model) -> dict[str, Any]:
    """Keras's compile_config for a compiled model ({} when not compiled, as Keras writes)."""
    if model.loss is None:
        return {}
    metric_list = [metrics_module.serialize(m) for m in model.compiled_metrics]
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": losses.serialize(model.loss),
        "loss_weights": None,
        "metrics": metric_list or None,
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": True,
    }


def _with_schedule_names(compiled: dict) -> dict:
    rate = compiled.get("optimizer", {}).get("config", {}).get("learning_rate") if compiled else None
    if isinstance(rate, dict):  # Keras's schedules carry their class name as `name`
        rate["config"].setdefault("name", rate["class_name"])
    return compiled


def model_config(model) -> dict[str, Any]:
    """The whole-model dict of Keras's `to_json()` / `config.json`."""
    input_name = model.input_name or "input_layer"
    input_dim = model.input_dim
    entries = _layer_entries(model)
    if model.is_functional:
        return _functional_config(model, input_name, entries)
    layers = ([_input_layer_entry(input_name, input_dim)] if input_dim else []) + entries
    config: dict[str, Any] = {"name": model.name, "trainable": True, "dtype": _DTYPE_POLICY, "layers": layers}
    out: dict[str, Any] = {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
    if input_dim:
        config["build_input_shape"] = [None, input_dim]
        out["build_config"] = {"input_shape": [None, input_dim]}
    out["compile_config"] = _with_schedule_names(compile_config(model))
    return out


def _functional_config(model, input_name: str, entries: list[dict]) -> dict[str, Any]:
    dims = [model.input_dim, *model.output_dims()] if model.input_dim else [None] * (len(entries) + 1)
    first = {**_input_layer_entry(input_name, model.input_dim), "name": input_name, "inbound_nodes": []}
    layers, previous = [first], input_name
    for entry, layer, dim in zip(entries, model.layers, dims):
        tensor = {
            "class_name": "__keras_tensor__",
            "config": {"shape": [None, dim], "dtype": "float32", "keras_history": [previous, 0, 0]},
        }
        layers.append({**entry, "name": layer.name, "inbound_nodes": [{"args": [tensor], "kwargs": {}}]})
        previous = layer.name
    config = {
        "name": model.name,
        "trainable": True,
        "layers": layers,
        "input_layers": [input_name, 0, 0],
        "output_layers": [previous, 0, 0],
    }
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": config,
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": _with_schedule_names(compile_config(model)),
    }


# --------------------------------------------------------------------------------------------------------------------
# Keras config -> twoclass


def _supported_message(class_names: list[str]) -> str:
    listed = ", ".join(sorted(LAYER_CLASSES))
    unknown = ", ".join(dict.fromkeys(str(name) for name in class_names))
    kind = "layer" if len(set(class_names)) == 1 else "layers"
    return (
        f"The model uses {kind} {unknown}, which twoclass does not support. Supported layers: {listed}. "
        "twoclass models are stacks of these layers for tables of features."
    )


def check_classes(entries: list[dict]) -> None:
    unknown = [e.get("class_name") for e in entries if e.get("class_name") not in LAYER_CLASSES]
    if unknown:
        raise UnsupportedModel(_supported_message(unknown))


def _clean_initializer(value):
    if isinstance(value, dict) and isinstance(value.get("config"), dict):
        config = {k: v for k, v in value["config"].items() if not (k in ("input_axes", "output_axes") and v is None)}
        return {**value, "config": config}
    return value


def _clean_activation(value):
    # Keras writes built-in activations as names; a dict form ("function" entries) carries the name as its config.
    if isinstance(value, dict):
        return value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    return value


def _input_dim_of(config: dict) -> int | None:
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if shape is None and config.get("input_shape") is not None:
        shape = [None, *config["input_shape"]]
    if shape is None:
        return None
    if len(shape) != 2:
        raise UnsupportedModel(
            f"Layer '{config.get('name')}' takes inputs of shape {tuple(shape)}; twoclass models "
            "take tables of shape (rows, features)."
        )
    return shape[1]


def layer_from_entry(entry: dict):
    """A twoclass layer from one Keras layer entry; Keras-only keys at their defaults are accepted and dropped."""
    class_name = entry.get("class_name")
    cls = LAYER_CLASSES.get(class_name)
    if cls is None:
        raise UnsupportedModel(_supported_message([class_name]))
    config = dict(entry.get("config") or {})
    input_dim = _input_dim_of(config)
    if cls is InputLayer:
        return InputLayer(shape=(input_dim,) if input_dim else None, name=config.get("name"))
    for key, default in _KERAS_ONLY.items():
        value = config.pop(key, default)
        if key not in _ANY_VALUE and value != default:
            raise UnsupportedModel(
                f"Layer '{config.get('name')}' ({class_name}) sets {key}={value!r}, which "
                f"twoclass does not support (only {default!r})."
            )
    for key in ("kernel_initializer", "bias_initializer"):
        if key in config:
            config[key] = _clean_initializer(config[key])
    if "activation" in config:
        config["activation"] = _clean_activation(config["activation"])
    if class_name == "Normalization" and config.get("axis") not in (None, -1, [-1], (-1,), 1, [1]):
        raise UnsupportedModel(
            f"Normalization layer '{config.get('name')}' normalises over axis "
            f"{config['axis']!r}; twoclass supports only the feature axis (-1)."
        )
    try:
        layer = cls.from_config(config)
    except (TypeError, ValueError) as error:
        raise UnsupportedModel(
            f"Layer '{config.get('name')}' ({class_name}) could not be rebuilt from its config: {error}"
        ) from None
    if input_dim is not None and layer.input_dim is None:
        layer.input_dim = input_dim
    return layer


def chain_entries(config: dict) -> list[dict]:
    """The layer entries of a functional config in order, after checking they form one chain."""
    entries = list(config.get("layers", []))
    by_name = {e.get("name") or e.get("config", {}).get("name"): e for e in entries}
    inputs, outputs = config.get("input_layers"), config.get("output_layers")
    inputs = inputs[0] if inputs and isinstance(inputs[0], list) else inputs
    outputs = outputs[0] if outputs and isinstance(outputs[0], list) else outputs
    if not inputs or not outputs or len(config.get("input_layers")) != 3 or len(config.get("output_layers")) != 3:
        raise UnsupportedModel("twoclass loads functional models with exactly one input and one output.")
    chain, current = [], outputs[0]
    while current is not None:
        entry = by_name.get(current)
        if entry is None:
            raise UnsupportedModel(f"The functional config refers to a layer '{current}' it does not define.")
        chain.append(entry)
        nodes = entry.get("inbound_nodes") or []
        parents = [a for node in nodes for a in _tensor_args(node)]
        if len(nodes) > 1 or len(parents) > 1:
            raise UnsupportedModel(
                f"Layer '{current}' takes several inputs or is shared; twoclass loads functional "
                "models that are a single chain of layers."
            )
        current = parents[0] if parents else None
    chain.reverse()
    if (chain[0].get("name") or chain[0]["config"].get("name")) != inputs[0] or len(chain) != len(entries):
        raise UnsupportedModel(
            "twoclass loads functional models that are a single chain from the input to the "
            "output; this one branches or has unused layers."
        )
    return chain


def _tensor_args(node) -> list[str]:
    args = node.get("args", []) if isinstance(node, dict) else [node]
    names = []
    for arg in args:
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            names.append(arg["config"]["keras_history"][0])
        elif isinstance(arg, list) and arg and isinstance(arg[0], str):  # older list form [name, node, tensor, {}]
            names.append(arg[0])
    return names


def _named(value):
    # Keras writes built-in functions as {"class_name": "function", "config": "binary_crossentropy", ...}.
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config")
    return value


def _loss_from(value):
    value = _named(value)
    if isinstance(value, dict):  # losses.get's dict branch, reached without its function-table lookup
        cls = losses.BY_CLASS_NAME.get(value.get("class_name"))
        if cls is None:
            return losses.get(value.get("class_name"))  # raises the standard unknown-loss error
        config = {k: v for k, v in (value.get("config") or {}).items() if k not in ("reduction", "axis", "dtype")}
        return cls(**config)
    return losses.get(value)


def compile_from_config(model, config: dict) -> None:
    """Compile `model` as a Keras compile_config says (twoclass's `get` functions read Keras's dicts)."""
    loss = config.get("loss")
    if isinstance(loss, (list, dict)) and not (isinstance(loss, dict) and "class_name" in loss):
        loss = list(loss.values() if isinstance(loss, dict) else loss)
        if len(loss) != 1:
            raise UnsupportedModel("The model was compiled with several losses; twoclass models have one output.")
        loss = loss[0]
    metric_list = config.get("metrics") or []
    if metric_list and isinstance(metric_list[0], list):  # one list per output
        metric_list = [m for group in metric_list for m in group]
    try:
        model.compile(
            optimizer=config.get("optimizer", "rmsprop"),
            loss=_loss_from(loss),
            metrics=[_named(m) for m in metric_list],
        )
    except (TypeError, ValueError, KeyError) as error:
        raise UnsupportedModel(
            f"The saved compile settings could not be restored: {error} Load with "
            "compile=False and call model.compile(...) yourself."
        ) from None
