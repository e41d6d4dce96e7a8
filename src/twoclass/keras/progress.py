"""Per-epoch output in Keras's format, with a rich progress bar on a terminal. Edges only: no training logic."""

from __future__ import annotations

import sys
import time

from twoclass.keras.callbacks import Callback


def format_logs(logs: dict[str, float]) -> str:
    parts = []
    for key, value in logs.items():
        value = float(value)
        shown = f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"  # Keras's Progbar rule
        parts.append(f"{key}: {shown}")
    return " - ".join(parts)


def _duration(seconds: float) -> str:
    return (
        f"{seconds:.0f}s"
        if seconds >= 1
        else f"{seconds * 1000:.0f}ms"
        if seconds >= 1e-3
        else f"{seconds * 1e6:.0f}us"
    )


class EpochPrinter(Callback):
    """verbose=1: 'Epoch k/N' then '32/32 ━━━━ 0s 1ms/step - ...', with a live bar over epochs on a terminal;
    verbose=2: one line per epoch, no bar."""

    every_epoch = False

    def __init__(self, verbose: int, epochs: int, steps: int, stream=None):
        super().__init__()
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        self.stream = stream or sys.stdout
        self._bar = None
        self._last = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._last = time.perf_counter()
        if self.verbose == 1 and getattr(self.stream, "isatty", lambda: False)():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("epochs"),
                TimeRemainingColumn(),
                transient=True,
            )
            self._task = self._bar.add_task("fit", total=self.epochs)
            self._bar.start()

    def record_chunk(self, n_epochs: int) -> float:
        """Seconds per epoch of the chunk just finished (the engine runs several epochs per call)."""
        now = time.perf_counter()
        per_epoch = (now - self._last) / max(n_epochs, 1)
        self._last = now
        self._per_epoch = per_epoch
        return per_epoch

    def on_epoch_end(self, epoch, logs=None):
        per_epoch = getattr(self, "_per_epoch", 0.0)
        per_step = per_epoch / max(self.steps, 1)
        text = format_logs(logs or {})
        if self.verbose == 1:
            line = (
                f"Epoch {epoch + 1}/{self.epochs}\n{self.steps}/{self.steps} ━━━━━━━━━━━━━━━━━━━━ "
                f"{per_epoch:.0f}s {_duration(per_step)}/step - {text}"
            )
        else:
            line = (
                f"Epoch {epoch + 1}/{self.epochs}\n{self.steps}/{self.steps} - {per_epoch:.0f}s - "
                f"{_duration(per_step)}/step - {text}"
            )
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False)
            self._bar.update(self._task, completed=epoch + 1)
        else:
            print(line, file=self.stream, flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def print_step_line(steps: int, seconds: float, logs: dict[str, float] | None, stream=None) -> None:
    """The one line Keras prints after evaluate/predict with verbose=1."""
    per_step = seconds / max(steps, 1)
    tail = f" - {format_logs(logs)}" if logs else ""
    print(
        f"{steps}/{steps} ━━━━━━━━━━━━━━━━━━━━ {seconds:.0f}s {_duration(per_step)}/step{tail}",
        file=stream or sys.stdout,
        flush=True,
    )
