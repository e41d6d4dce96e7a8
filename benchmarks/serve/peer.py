"""The peer: MLServer's scikit-learn runtime serving an MLPClassifier of the same size as twoclass's network.

MLServer 1.7 requires fastapi < 0.116 (and brings uvloop), so it cannot share the project's environment: it gets a
virtual environment of its own (``requirements-mlserver.txt``, made on first use), where the MLPClassifier is also
trained and saved with joblib (the sklearn runtime loads a pickle; it is a benchmark artefact, never a twoclass model
file). The server listens on 127.0.0.1 only.

Example:
    >>> python = ensure_venv(Path("~/.cache/twoclass/mlserver-venv").expanduser())  # doctest: +SKIP
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements-mlserver.txt")

_TRAIN = """
import sys, joblib, numpy as np
from sklearn.neural_network import MLPClassifier
data = np.load(sys.argv[1])
model = MLPClassifier(hidden_layer_sizes=tuple(int(h) for h in sys.argv[3].split(",")), max_iter=30, random_state=0)
model.fit(data["x"], data["y"])
joblib.dump(model, sys.argv[2])
"""


def ensure_venv(path: Path) -> Path:
    """The peer's Python, in a virtual environment with MLServer and its sklearn runtime (made once)."""
    python = path / "bin" / "python"
    stamp = path / ".requirements"
    wanted = REQUIREMENTS.read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"Making MLServer's environment in {path} (once) ...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


def train_mlp(python: Path, data: Path, out: Path, hidden: tuple[int, ...]) -> None:
    subprocess.run([str(python), "-c", _TRAIN, str(data), str(out), ",".join(map(str, hidden))], check=True)


def write_repository(root: Path, *, port: int, grpc_port: int, metrics_port: int) -> Path:
    """MLServer's settings (127.0.0.1, quiet, its defaults otherwise) and a model folder 'mlp'; returns the root."""
    root.mkdir(parents=True, exist_ok=True)
    settings = {
        "debug": False,
        "host": "127.0.0.1",
        "http_port": port,
        "grpc_port": grpc_port,
        "metrics_port": metrics_port,
    }
    (root / "settings.json").write_text(json.dumps(settings))
    model = root / "mlp"
    model.mkdir(exist_ok=True)
    (model / "model-settings.json").write_text(
        json.dumps(
            {
                "name": "mlp",
                "implementation": "mlserver_sklearn.SKLearnModel",
                "parameters": {"uri": "./model.joblib", "version": "v1"},
            }
        )
    )
    return root


def start(python: Path, root: Path) -> subprocess.Popen:
    mlserver = python.with_name("mlserver")
    return subprocess.Popen(
        [str(mlserver), "start", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=root
    )


if __name__ == "__main__":  # pragma: no cover
    print(ensure_venv(Path(sys.argv[1])))
