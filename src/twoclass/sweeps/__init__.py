"""Sweeps: many members of one network (learning rate, L2, dropout rate, seed, and for the estimator hidden sizes)
trained as one vmapped XLA program, ranked in a table, the best saved as an ordinary model directory.

Example:
    >>> from twoclass.sweeps import sweep
    >>> result = sweep(model, x, y, grid="learning_rate=0.1,0.5 seeds=8", epochs=20)  # doctest: +SKIP
"""

from twoclass.sweeps.api import sweep
from twoclass.sweeps.grid import Member, parse_grid
from twoclass.sweeps.result import SweepResult

__all__ = ["Member", "SweepResult", "parse_grid", "sweep"]
