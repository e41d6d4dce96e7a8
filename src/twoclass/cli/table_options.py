"""The options of every command that reads a data file: `--encoding` and `--sep` (what `args.read_options` turns into
the readers' arguments).

Example:
    >>> def command(data: Path, encoding: Encoding = None, sep: Separator = None) -> None: ...  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Annotated

import typer

_ENCODING_HELP = "Text encoding of the data file (default utf-8), e.g. latin-1 or cp1252."
_SEP_HELP = "Column separator of a CSV file (default: ',' or what the header shows, e.g. ';')."
Encoding = Annotated[str | None, typer.Option(metavar="NAME", help=_ENCODING_HELP)]
Separator = Annotated[str | None, typer.Option(metavar="CHAR", help=_SEP_HELP)]
