"""How a parameter is typed on the command line (`CliOption`, `twoclass train --epochs 50`), and the readers of
that text: each returns the value the estimator takes, which the parameter's check then judges.

Example:
    >>> _text_sizes("64,32")
    (64, 32)
    >>> _text_threshold("recall>=0.9")
    'recall>=0.9'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CliOption:
    """How a parameter is typed on the command line (`twoclass train --epochs 50`)."""

    flag: str
    metavar: str
    parse: Callable[[str], Any]  # the text typed -> the parameter's value; ValueError when it cannot be read
    default: str | None = None  # the text shown as default; None: the parameter's default, written out


def _text_int(text: str) -> int:
    return int(text)


def _text_float(text: str) -> float:
    return float(text)


def _text_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def _text_word(text: str) -> str:
    return text


def _text_optional_word(text: str) -> str | None:
    return None if text.strip().lower() == "none" else text


def _text_bool(text: str) -> bool:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.strip().lower() not in words:
        raise ValueError(text)
    return words[text.strip().lower()]


def _text_threshold(text: str) -> Any:
    """'f1', 'youden', 'recall>=0.9', 'precision>=0.8', a number in (0, 1), or 'none' (0.5 without choosing)."""
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _text_networks(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _text_auto_int(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text
