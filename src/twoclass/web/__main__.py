"""`python -m twoclass.web`: the playground command on its own (`twoclass playground` once registered)."""

import typer

from .command import playground

if __name__ == "__main__":
    typer.run(playground)
