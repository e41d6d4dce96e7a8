"""`twoclass train`'s estimator options, made from the estimator's parameter table (`twoclass.estimator.params`).

Each parameter with a `CliOption` becomes one option (`--epochs N`, `--learning-rate RATE`, ...) with the table's
help; the text typed is read by the option's parser and judged by the parameter's own check, so the command line,
the estimator, the server and the playground hold one rule per parameter. A value the check refuses is one line:
"--epochs must be an int >= 1. Got '0' instead."
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typer

from twoclass.cli.edge import fail
from twoclass.estimator.params import PARAMETERS, Parameter

__all__ = ["estimator_options", "option_parameters"]


def option_parameters() -> list[Parameter]:
    """The estimator's parameters that are options of `twoclass train`, in the table's order."""
    return [p for p in PARAMETERS if p.cli is not None]


def _default_text(parameter: Parameter) -> str:
    if parameter.cli.default is not None:
        return parameter.cli.default
    if isinstance(parameter.default, tuple):
        return ",".join(str(v) for v in parameter.default)
    if isinstance(parameter.default, bool):
        return str(parameter.default).lower()
    return str(parameter.default)


def checked_value(parameter: Parameter, text: str) -> Any:
    """The estimator's value for the text typed after the parameter's flag, or a one-line exit naming the flag."""
    try:
        value = parameter.cli.parse(text)
        parameter.check(value)
    except (TypeError, ValueError):
        fail(f"{parameter.cli.flag} must be {parameter.expected}. Got {text!r} instead.")
    return value


def estimator_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` one option per table parameter; it receives them, checked, as ``estimator_params`` (a dict of
    TwoClassClassifier arguments)."""
    parameters = option_parameters()
    signature = inspect.signature(command)
    hints = typing.get_type_hints(command, include_extras=True)  # the command's own options, resolved
    kept = [
        q.replace(annotation=hints.get(q.name, q.annotation))
        for q in signature.parameters.values()
        if q.name != "estimator_params"
    ]
    added = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=_default_text(p),
            annotation=Annotated[str, typer.Option(p.cli.flag, metavar=p.cli.metavar, help=p.help)],
        )
        for p in parameters
    ]

    @functools.wraps(command)
    def with_options(**kwargs: Any) -> Any:
        given = {p.name: checked_value(p, kwargs.pop(p.name)) for p in parameters}
        return command(**kwargs, estimator_params=given)

    with_options.__signature__ = signature.replace(parameters=kept + added, return_annotation=None)
    with_options.__annotations__ = {q.name: q.annotation for q in kept + added}  # typer reads these too
    return with_options
