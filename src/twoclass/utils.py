"""Mirrors the parts of `keras.utils` that two-class tutorials use."""

from ._layers import clear_session
from ._seeding import set_random_seed

__all__ = ["clear_session", "set_random_seed"]
