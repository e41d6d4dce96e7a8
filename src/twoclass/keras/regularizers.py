"""Weight penalties (Keras's L1, L2, L1L2). Their strengths are inputs of the compiled step, not constants."""

from __future__ import annotations

from typing import Any

from twoclass.core import registry
from twoclass.core.registry import resolve
from twoclass.core.validation import check_float


class Regularizer:
    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_float(l1, "l1", type(self).__name__, minimum=0.0)
        self.l2 = check_float(l2, "l2", type(self).__name__, minimum=0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return L1L2(config.get("l1", 0.0), config.get("l2", 0.0))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(l1={self.l1:g}, l2={self.l2:g})"


class L1L2(Regularizer):
    pass


class L1(Regularizer):
    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}

    @classmethod
    def from_config(cls, config):
        return cls(config.get("l1", 0.01))


class L2(Regularizer):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}

    @classmethod
    def from_config(cls, config):
        return cls(config.get("l2", 0.01))


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    return L1L2(l1, l2)


_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": l1_l2}  # Keras's 'l1_l2' is the function, with 0.01 for both


def get(identifier) -> Regularizer | None:
    if identifier is None:
        return None
    return resolve(identifier, "regularizer", Regularizer, _BY_NAME, _NAMES)


def serialize(regularizer: Regularizer | None) -> dict[str, Any] | None:
    return registry.serialize(regularizer, "keras.regularizers")
