"""The command line: `twoclass train / evaluate / predict / inspect / demo ...` (`app`), argument checks (`args`),
what `inspect` and `train` print (`show`), the seed lessons (`demo`)."""

from twoclass.cli.app import app, main

__all__ = ["app", "main"]
