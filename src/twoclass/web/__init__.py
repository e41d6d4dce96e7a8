"""The playground: TensorFlow Playground for two-class problems, on twoclass's engine, with the code beside it.

`create_app()` is the FastAPI app; `playground()` the command (`twoclass playground`, or `python -m twoclass.web`).
Both load lazily, so registering the command imports neither FastAPI nor JAX until it runs.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["create_app", "playground"]
_HOMES = {"create_app": "app", "playground": "command"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'twoclass.web' has no attribute {name!r}")
