"""`twoclass export MODEL_DIR --onnx model.onnx`: the whole model as one ONNX file (raw columns in, label and
probability out; see docs/onnx.md). Registered on the main app in `twoclass.cli` (`app.command("export")(export)`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from twoclass.cli.edge import (
    check_no_clash,
    check_output_file,
    fail,
    library_errors,
    unchanged_file,
    warnings_as_notices,
)


def export(
    model_dir: Annotated[Path, typer.Argument(metavar="MODEL", help="Model directory from `twoclass train`.")],
    onnx: Annotated[
        Path, typer.Option("--onnx", metavar="FILE", help="ONNX file to write: columns in, label and probability out.")
    ],
) -> None:
    """Write the model (preprocessing, network, calibration, threshold) as one ONNX file.

    Example:  twoclass export titanic-model/ --onnx titanic.onnx
    """
    check_output_file(onnx, "--onnx")
    check_no_clash({"--onnx": onnx}, {}, model_dir)
    with library_errors(unchanged_file(onnx)), warnings_as_notices():
        try:
            from twoclass.onnx import export_onnx

            export_onnx(model_dir, onnx)
        except ImportError as error:  # onnx or skl2onnx missing: the extra names both
            fail(f"twoclass export needs the onnx extra ({error}): pip install 'twoclass[onnx]'.")
    typer.echo(_summary(onnx))


def _summary(path: Path) -> str:
    """One line on what the file takes and gives, read back from the file itself."""
    import onnx

    model = onnx.load(str(path))
    props = {p.key: p.value for p in model.metadata_props}
    inputs = [i.name for i in model.graph.input]
    shown = ", ".join(inputs[:8]) + (f" and {len(inputs) - 8} more" if len(inputs) > 8 else "")
    if props.get("twoclass.kind") != "pipeline":
        return f"Wrote {path}: the network alone (input 'features', outputs 'logit' and 'probability')."
    classes = json.loads(props["twoclass.classes"])
    return (
        f"Wrote {path}: inputs {shown} (one per column, [N, 1]); outputs label ({classes[0]!r} or {classes[1]!r}) "
        f"and probability of {classes[1]!r}; threshold {float(props['twoclass.threshold']):.4f}."
    )
