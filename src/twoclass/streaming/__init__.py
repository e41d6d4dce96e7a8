"""Training on tables larger than memory: `fit_stream(model, TableStream(path, target=...), epochs=...)`.

Example:
    >>> from twoclass.data.stream import TableStream
    >>> from twoclass.streaming import fit_stream
    >>> fit_stream(model, TableStream("big.parquet", target="y"), epochs=2)  # doctest: +SKIP
"""

from twoclass.data.stream import TableStream
from twoclass.streaming.fit import fit_stream

__all__ = ["TableStream", "fit_stream"]
