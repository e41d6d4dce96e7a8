"""The playground: TensorFlow Playground for two-class problems, on twoclass's engine, with the code beside it.

`create_app()` is the FastAPI app; `playground()` the command (`twoclass playground`, or `python -m twoclass.web`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "playground"]


def __getattr__(name: str) -> Any:
    # Lazy, so the command line imports neither FastAPI nor JAX until the playground starts.
    if name == "create_app":
        from twoclass.web.app import create_app

        return create_app
    if name == "playground":
        from twoclass.web.command import playground

        return playground
    raise AttributeError(f"module 'twoclass.web' has no attribute {name!r}")
