"""Mirrors the parts of `keras.utils` that two-class tutorials use."""

from twoclass.core.seeding import set_random_seed
from twoclass.keras.layers import clear_session

__all__ = ["clear_session", "set_random_seed"]
