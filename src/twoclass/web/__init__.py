"""The playground: TensorFlow Playground for two-class problems, on twoclass's engine, with the code beside it.

`create_app()` is the FastAPI app; `playground()` the command (`twoclass playground`, or `python -m twoclass.web`).
"""

from .app import create_app
from .command import playground

__all__ = ["create_app", "playground"]
