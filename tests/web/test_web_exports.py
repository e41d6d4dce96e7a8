"""Exports through the API: the generated script and the trained model, against independent references.

The script run as Python (twoclass) must give the page's weights exactly; the model directory must load with
`twoclass.io.load_model_dir`; the script with its imports swapped must build and compile on the real Keras 3.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from twoclass.web import network
from twoclass.web.codegen import KERAS_IMPORTS


def new_session(client, link: str = "seed=1") -> str:
    response = client.post("/api/sessions", json={"url": link})
    assert response.status_code == 200, response.text
    return response.json()["session"]


def frame(client, session: str) -> dict:
    return client.get(f"/api/sessions/{session}/frame").json()


def csv_bytes(n: int = 60) -> bytes:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    label = np.where(x[:, 0] + x[:, 1] > 0, "yes", "no")
    return ("p,q,answer\n" + "".join(f"{a:.4f},{b:.4f},{c}\n" for (a, b), c in zip(x, label))).encode()


def run_code_here(code: str, folder: Path) -> dict:
    """Run the generated script in this process, in `folder` (for an uploaded CSV), and return its names."""
    namespace: dict = {"__name__": "__playground__"}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        # The script seeds twoclass's global generator; a session warming its program elsewhere must not interleave.
        with network._SEED_LOCK:
            exec(compile(code, "playground.py", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def model_from_zip(client, session: str, folder: Path):
    from twoclass import io as twoclass_io

    response = client.get(f"/api/sessions/{session}/model")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert {"playground.py", "README.txt", "playground_model/twoclass.json"} <= names
        archive.extractall(folder)
    return twoclass_io.load_model_dir(folder / "playground_model")


@pytest.mark.parametrize(
    "link",
    [  # the same networks as test_web_settings's NETWORKS (shared compiled programs)
        "seed=1",  # the Playground's default: 4-2 tanh, squared error, SGD 0.03
        "seed=0.25&dataset=spiral&noise=10&networkShape=6,3&activation=relu&x=true&y=true&sinX=true&sinY=true&"
        "regularization=L2&regularizationRate=0.003&optimizer=adam&learningRate=0.01&loss=bce&dropout=0.1&batchSize=16",
        "seed=4&regularization=L1&regularizationRate=0.001&networkShape=&xSquared=true&ySquared=true",
    ],
)
def test_the_code_reproduces_the_trained_network(client, tmp_path, link):
    session = new_session(client, link)
    for _ in range(7):
        client.post(f"/api/sessions/{session}/step")
    code = client.get(f"/api/sessions/{session}/code")
    assert code.headers["content-disposition"] == 'attachment; filename="playground.py"'
    assert "epochs=7" in code.text
    namespace = run_code_here(code.text, tmp_path)
    loaded = model_from_zip(client, session, tmp_path)
    for ours, theirs in zip(loaded.get_weights(), namespace["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)  # same seed, same data, same epochs: the same network
    body = frame(client, session)
    assert namespace["accuracy"] == pytest.approx(body["accuracy"]["test"], abs=1e-6)


def test_the_code_reads_an_uploaded_csv_again(client, tmp_path):
    session = new_session(client)
    client.post(f"/api/sessions/{session}/upload", files={"file": ("points.csv", csv_bytes(80), "text/csv")})
    for _ in range(4):
        client.post(f"/api/sessions/{session}/step")
    (tmp_path / "points.csv").write_bytes(csv_bytes(80))
    namespace = run_code_here(client.get(f"/api/sessions/{session}/code").text, tmp_path)
    loaded = model_from_zip(client, session, tmp_path / "unzipped")
    for ours, theirs in zip(loaded.get_weights(), namespace["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_the_code_builds_and_compiles_on_keras_3(client, tmp_path):
    """The same script with only its twoclass imports changed builds and compiles the same network on the real
    Keras 3 (JAX backend). Training there is left out: it would only time Keras's compiler."""
    session = new_session(
        client,
        "seed=3&dataset=gauss&networkShape=4,2&activation=relu&regularization=L2&"
        "regularizationRate=0.01&dropout=0.1&loss=bce&optimizer=adam&sinX=true",
    )
    ours = client.app.state.store.get(session).model
    code = client.get(f"/api/sessions/{session}/code").text
    for twoclass_line, keras_line in KERAS_IMPORTS.items():
        code = code.replace(twoclass_line, keras_line)
    imports = [line for line in code.splitlines() if line.startswith(("from twoclass", "import twoclass"))]
    assert imports == ["from twoclass import datasets"]  # NumPy only: the one twoclass line Keras users keep
    built = code[: code.index("history = model.fit(")]
    report = (
        "import json, keras\n"
        "print('KERAS ' + json.dumps({'version': keras.__version__, 'params': model.count_params(),\n"
        "    'layers': [type(layer).__name__ for layer in model.layers],\n"
        "    'activations': [layer.get_config().get('activation') for layer in model.layers],\n"
        "    'l2': [(layer.get_config().get('kernel_regularizer') or {}).get('config', {}).get('l2')\n"
        "           for layer in model.layers],\n"
        "    'optimizer': type(model.optimizer).__name__, 'lr': float(model.optimizer.learning_rate),\n"
        "    'loss': model.loss, 'features': x_train.shape[1]}))\n"
    )
    script = tmp_path / "keras_playground.py"
    script.write_text(built + report)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    keras_model = json.loads(done.stdout.split("KERAS ", 1)[1])
    assert keras_model["version"].startswith("3.")
    assert keras_model["params"] == ours.count_params() == 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1
    assert keras_model["layers"] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert keras_model["activations"] == ["relu", None, "relu", None, "sigmoid"]
    assert keras_model["l2"] == [pytest.approx(0.005), None, pytest.approx(0.005), None, pytest.approx(0.005)]
    assert (keras_model["optimizer"], keras_model["loss"]) == ("Adam", "binary_crossentropy")
    assert keras_model["features"] == 3
    assert keras_model["lr"] == pytest.approx(0.03)
