"""Keras's `get(identifier)`, shared by initializers, regularizers, losses, metrics and optimizers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twoclass.core.validation import unknown_name


def _call(factory: Callable[..., Any], name: str) -> Any:
    return factory()


def _rebuild(cls: type, config: dict[str, Any]) -> Any:
    return cls.from_config(config)


def resolve(
    identifier: Any,
    kind: str,
    base: type,
    by_name: Mapping[str, Callable[..., Any]],
    by_class_name: Mapping[str, type],
    *,
    from_config: Callable[[type, dict], Any] = _rebuild,
    from_name: Callable[[Callable[..., Any], str], Any] = _call,
) -> Any:
    """What `keras.<kind>s.get` accepts: an instance (returned as it is), a subclass (instantiated), a saved config
    `{'class_name': ..., 'config': {...}}` (rebuilt by `from_config(cls, config)`), or a name: looked up lower-cased
    in `by_name`, then as a class name. Anything else is an error that lists the valid names.

    >>> from twoclass.keras import regularizers as r
    >>> resolve("l2", "regularizer", r.Regularizer, r._NAMES, r._NAMES)
    L2(l1=0, l2=0.01)
    """
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = by_class_name.get(identifier["class_name"])
        if cls is None:
            raise unknown_name(kind, identifier["class_name"], by_class_name)
        return from_config(cls, dict(identifier.get("config") or {}))
    if isinstance(identifier, str):
        if identifier.lower() in by_name:
            return from_name(by_name[identifier.lower()], identifier.lower())
        if identifier in by_class_name:
            return by_class_name[identifier]()
    raise unknown_name(kind, identifier, by_name)


def serialize(obj: Any, module: str) -> dict[str, Any] | None:
    """Keras's `serialize` for any family (initializers, regularizers, losses, metrics, optimizers): the dict Keras 3
    writes in configs, which `resolve` (and Keras's `get`) read back. None stays None.

    >>> from twoclass.keras.regularizers import L2
    >>> serialize(L2(0.5), "keras.regularizers")["class_name"]
    'L2'
    """
    if obj is None:
        return None
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(), "registered_name": None}
