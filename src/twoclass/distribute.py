"""Data across devices and hosts: data-parallel training with `jax.sharding` (see docs/scale.md).

>>> from twoclass.distribute import DataParallel
>>> with DataParallel():                                     # doctest: +SKIP
...     model.fit(x, y, epochs=20)                         # the same as model.fit(x, y, epochs=20, distribute="data")
"""

from twoclass.engine.distribute import DataParallel

__all__ = ["DataParallel"]
