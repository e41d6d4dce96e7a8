"""Mirrors the parts of `keras.utils` that two-class tutorials use."""

from ._seeding import set_random_seed

__all__ = ["set_random_seed"]
