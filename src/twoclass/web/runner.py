"""One tab's playground: its settings, points and model, the training thread, and the frames the page draws.

Training is `model.fit(x, y, epochs=e + k, initial_epoch=e)` on the engine, k epochs per frame: the compiled program
is keyed by structure, so a new learning rate (set on the optimizer between chunks) or new points of the same
count run the same program. A frame is published after every chunk, about 20 a second while playing; the page
gets each one through server-sent events. Everything that touches the model holds the session's lock.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import codegen, network
from .data import PointSet, Upload, feature_matrix, make_points
from .links import to_url
from .settings import (
    DATA_KEYS,
    FEATURES,
    STRUCTURE_KEYS,
    Settings,
    SettingsError,
    new_seed,
    preset,
    validate_changes,
)

__all__ = ["FRAME_SECONDS", "Session", "compiled_programs"]

FRAME_SECONDS = 0.05  # a frame every 50 ms while playing: 20 updates a second
EPOCHS_PER_FRAME = {"slow": 1, "normal": 3, "fast": 15}  # normal: ~60 epochs/s, the Playground's pace
MAX_CHUNK_SECONDS = 0.035  # "max" speed and slow fits size each chunk to this much training
CURVE_POINTS = 400  # loss-curve points kept (older ones thinned out by half when full)


def compiled_programs() -> int:
    """Programs the engine traced or loaded so far in this process: the benchmark and tests use it to show that a
    new learning rate compiles nothing."""
    from twoclass.engine.programs import trace_count

    return trace_count()


class _Warmer:
    """Compiles a structure's training program in the background when a network is (re)built, so pressing play
    finds it ready. A twin model (same structure, same row count) runs one epoch; the session's model is untouched.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[tuple, threading.Event] = {}
        self.failures: dict[tuple, str] = {}  # for a curious debugger; the session's own fit raises the same error

    def warm(self, key: tuple, settings: Settings, x: np.ndarray, y: np.ndarray) -> threading.Event:
        with self._lock:
            event = self._done.get(key)
            if event is not None:
                return event
            event = self._done[key] = threading.Event()

        def run() -> None:
            try:
                twin = network.build_model(settings)
                twin.fit(x, y, batch_size=settings.batchSize, epochs=1, verbose=0)
            except Exception as error:  # noqa: BLE001 - warming is an optimisation; the real fit reports errors
                self.failures[key] = repr(error)
            finally:
                event.set()

        threading.Thread(target=run, name="playground-warm", daemon=True).start()
        return event


WARMER = _Warmer()


class Session:
    """A tab's playground. Public methods are what the page's buttons do; each returns after publishing a frame.

    >>> session = Session(Settings(seed="1"))
    >>> session.step(); session.epoch
    1
    """

    def __init__(self, settings: Settings, notices: list[str] | None = None):
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.RLock()
        self.settings = settings
        self.upload: Upload | None = None
        self.notices = list(notices or [])
        self.playing = False
        self.stopped: str | None = None
        self.last_seen = time.monotonic()
        self.streams = 0  # open event streams (a tab has one)
        self._thread: threading.Thread | None = None
        self._latest = (0, "{}")  # (version, frame JSON): replaced whole, so a reader never sees half of it
        self._last_test_loss = float("inf")
        self._structure = 0
        self._data_version = 0
        self._new_data()
        self._new_model()
        self._publish()

    # ------------------------------------------------------------------------------------------------ state
    def _new_data(self) -> None:
        self.points: PointSet = make_points(self.settings, self.upload)
        x_train, y_train = self.points.train
        x_test, y_test = self.points.test
        self.x_train, self.y_train = feature_matrix(x_train, self.settings.features), y_train
        self.x_test, self.y_test = feature_matrix(x_test, self.settings.features), y_test
        self._data_version += 1

    def _new_model(self) -> None:
        self.model = network.build_model(self.settings)
        self.epoch = 0
        self.curve: dict[str, list[float]] = {"epoch": [], "train": [], "test": []}
        self.stopped = None
        self._structure += 1
        key = (tuple(getattr(self.settings, name) for name in sorted(STRUCTURE_KEYS)), self.x_train.shape)
        self._warm = WARMER.warm(key, self.settings, self.x_train, self.y_train)

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    # ------------------------------------------------------------------------------------------------ actions
    def apply(self, changes: dict[str, Any]) -> Settings:
        """Change settings (URL keys). Data or structure changes reset the network, as in the Playground; the
        learning rate and display settings apply at once, even while playing."""
        with self.lock:
            new = validate_changes(self.settings, changes)
            if new.dataset == "upload" and self.upload is None:
                raise SettingsError("The 'dataset' setting can be 'upload' only after a CSV file is uploaded.")
            changed = {key for key in new.as_dict() if getattr(new, key) != getattr(self.settings, key)}
            self.settings = new
            if changed & (DATA_KEYS | {"features"}):
                self._new_data()
            if changed & (DATA_KEYS | STRUCTURE_KEYS):
                self.playing = False
                self._new_model()
            elif "learningRate" in changed:
                self.model.optimizer.learning_rate = new.learningRate  # an input of the program: compiles nothing
            if changed & {"stopEpoch", "stopLoss"}:
                self.stopped = None
            self._publish()
            return new

    def use_preset(self, name: str) -> None:
        with self.lock:
            settings = preset(name, self.settings)
            self.apply(
                {key: (list(value) if isinstance(value, tuple) else value) for key, value in settings.as_dict().items()}
            )

    def set_upload(self, upload: Upload) -> None:
        with self.lock:
            self.upload = upload
            self.playing = False
            self.settings = self.settings.replace(dataset="upload")
            self._new_data()
            self._new_model()
            self._publish()

    def regenerate(self) -> None:
        """New points (a new seed), as the Playground's regenerate button; the network resets."""
        with self.lock:
            self.apply({"seed": new_seed()})

    def reset(self) -> None:
        with self.lock:
            self.playing = False
            self._new_model()
            self._publish()

    def pause(self) -> None:
        with self.lock:
            self.playing = False
            self._publish()

    def step(self) -> None:
        """One epoch, as the Playground's step button."""
        with self.lock:
            self.playing = False
            self._train(1)
            self._publish()

    def play(self) -> None:
        with self.lock:
            if self.playing:
                return
            self.playing, self.stopped = True, None
            self._publish()
            if self._thread is None:  # the thread clears this under the lock as it ends: no race with its exit
                self._thread = threading.Thread(target=self._run, name=f"playground-{self.id[:6]}", daemon=True)
                self._thread.start()

    def close(self) -> None:
        with self.lock:
            self.playing = False

    # ------------------------------------------------------------------------------------------------ training
    def _run(self) -> None:
        self._warm.wait(timeout=30)  # a program already compiling in the background: wait for it, do not race it
        while True:
            started = time.perf_counter()
            with self.lock:
                if not self.playing:
                    self._thread = None
                    return
                try:
                    self._train(self._chunk())
                    self._publish()
                except Exception as error:  # noqa: BLE001 - the page must hear of it; the thread must not die silently
                    self.playing, self._thread = False, None
                    self.stopped = f"Training stopped: {type(error).__name__}: {error}"
                    self._publish()
                    return
            time.sleep(max(0.0, FRAME_SECONDS - (time.perf_counter() - started)))

    def _chunk(self) -> int:
        per_epoch = getattr(self, "_seconds_per_epoch", None)
        wanted = EPOCHS_PER_FRAME.get(self.settings.speed, 1)
        if per_epoch:
            fits = max(1, int(MAX_CHUNK_SECONDS / per_epoch))
            wanted = fits if self.settings.speed == "max" else min(wanted, fits)
        if self.settings.stopEpoch:
            wanted = min(wanted, max(self.settings.stopEpoch - self.epoch, 1))
        return wanted

    def _train(self, epochs: int) -> None:
        started = time.perf_counter()
        try:
            self.model.fit(
                self.x_train,
                self.y_train,
                batch_size=self.settings.batchSize,
                epochs=self.epoch + epochs,
                initial_epoch=self.epoch,
                verbose=0,
            )
        except ValueError as error:  # divergence: the model keeps its last finite weights; the engine says why
            self.playing, self.stopped = False, str(error)
            return
        except Exception as error:  # noqa: BLE001 - shown on the page instead of a 500 or a silent thread
            self.playing, self.stopped = False, f"Training stopped: {type(error).__name__}: {error}"
            return
        self._seconds_per_epoch = (time.perf_counter() - started) / epochs
        before, self.epoch = self.epoch, self.epoch + epochs
        # Stop conditions stop on crossing: pressing play past them trains on.
        if self.settings.stopEpoch and before < self.settings.stopEpoch <= self.epoch:
            self.playing, self.stopped = False, f"Stopped at epoch {self.epoch} (the stop condition)."

    # ------------------------------------------------------------------------------------------------ frames
    def _publish(self) -> None:
        frame = self._frame()
        previous, test_loss = self._last_test_loss, frame["loss"]["test"]
        self._last_test_loss = test_loss
        crossed = previous > self.settings.stopLoss >= test_loss
        if self.settings.stopLoss and crossed and self.playing:
            self.playing = False
            self.stopped = (
                f"Stopped at epoch {self.epoch}: test loss {frame['loss']['test']:.4f} <= "
                f"{self.settings.stopLoss:g} (the stop condition)."
            )
            frame.update(playing=False, stopped=self.stopped)
        version = self._latest[0] + 1
        frame["version"] = version
        self._latest = (version, json.dumps(frame, separators=(",", ":")))

    def frame_json(self) -> tuple[int, str]:
        """(version, JSON text) of the latest frame; the version grows with every publish."""
        return self._latest

    def _frame(self) -> dict[str, Any]:
        s = self.settings
        layers = network.dense_weights(self.model.get_weights())
        train_logits, train_p, _ = network.forward(s, layers, self.x_train)
        test_logits, test_p, _ = network.forward(s, layers, self.x_test)
        loss = {
            "train": network.losses(s, train_logits, self.y_train, layers),
            "test": network.losses(s, test_logits, self.y_test, layers),
        }
        if not self.curve["epoch"] or self.curve["epoch"][-1] != self.epoch:
            self._add_curve_point(loss)
        maps = network.surface(s, layers, self.points.domain)
        predicted = test_p >= s.threshold
        truth = self.y_test == 1
        return {
            "session": self.id,
            "epoch": self.epoch,
            "playing": self.playing,
            "stopped": self.stopped,
            "notices": self.notices,
            "settings": s.as_dict(),
            "url": to_url(s),
            "structure": self._structure,
            "data": {
                "version": self._data_version,
                "description": self.points.description,
                "domain": list(self.points.domain),
                "uploaded": self.upload.filename if self.upload else None,
            },
            "network": {
                "features": [{"key": k, "label": FEATURES[k]} for k in s.features],
                "layers": [{"units": u, "activation": a} for u, a in zip(s.networkShape, s.layerActivations)],
            },
            "weights": [kernel.round(4).tolist() for kernel, _ in layers],
            "biases": [bias.round(4).tolist() for _, bias in layers],
            "loss": loss,
            "curve": self.curve,
            "accuracy": {
                "train": float(((train_p >= s.threshold) == (self.y_train == 1)).mean()),
                "test": float((predicted == truth).mean()),
            },
            "confusion": {
                "tp": int((predicted & truth).sum()),
                "fp": int((predicted & ~truth).sum()),
                "fn": int((~predicted & truth).sum()),
                "tn": int((~predicted & ~truth).sum()),
            },
            "grid": {"size": network.OUTPUT_DENSITY, "output": base64.b64encode(maps.output).decode("ascii")},
            "nodes": {
                "size": network.NEURON_DENSITY,
                "maps": [[base64.b64encode(m).decode("ascii") for m in layer] for layer in maps.nodes],
            },
            "code": self.code(),
        }

    def _add_curve_point(self, loss: dict[str, float]) -> None:
        if len(self.curve["epoch"]) >= CURVE_POINTS:  # keep the first point and every other one after it
            for key in self.curve:
                self.curve[key] = self.curve[key][:1] + self.curve[key][2::2]
        self.curve["epoch"].append(self.epoch)
        self.curve["train"].append(round(loss["train"], 5))
        self.curve["test"].append(round(loss["test"], 5))

    def points_json(self) -> dict[str, Any]:
        """The points for drawing (not in every frame: they change only with the data)."""
        with self.lock:
            (train, train_y), (test, test_y) = self.points.train, self.points.test
            return {
                "version": self._data_version,
                "domain": list(self.points.domain),
                "train": np.round(train, 4).tolist(),
                "train_labels": train_y.tolist(),
                "test": np.round(test, 4).tolist(),
                "test_labels": test_y.tolist(),
            }

    # ------------------------------------------------------------------------------------------------ exports
    def code_epochs(self) -> int:
        return self.epoch if self.epoch > 0 else (self.settings.stopEpoch or 100)

    def code(self) -> str:
        return codegen.generate(self.settings, self.code_epochs(), self.upload, len(self.points.labels))

    def model_zip(self) -> bytes:
        """The trained model as a zip: the model directory (`twoclass.io.save_model_dir`) and the script."""
        from twoclass import io as twoclass_io

        with self.lock:
            code = self.code()
            with tempfile.TemporaryDirectory(prefix="playground-") as folder:
                target = Path(folder) / "playground_model"
                twoclass_io.save_model_dir(self.model, target)
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in sorted(target.rglob("*")):
                        if path.is_file():
                            archive.write(path, f"playground_model/{path.relative_to(target).as_posix()}")
                    archive.writestr("playground.py", code)
                    archive.writestr(
                        "README.txt",
                        _README.format(
                            features=", ".join(FEATURES[k] for k in self.settings.features), epochs=self.epoch
                        ),
                    )
                return buffer.getvalue()


_README = """A network trained in the twoclass playground ({epochs} epochs).

playground_model/ is a twoclass model directory:
    from twoclass import io
    model = io.load_model_dir("playground_model")
    probabilities = model.predict(features)
Its inputs are the features, in this order: {features}.
playground.py builds and trains the same network from scratch.
"""
