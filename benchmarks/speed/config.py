"""What is measured: workloads, peers, repeats and the sanity rule of each workload.

Everything a child needs about a workload travels to it as one JSON-able dict (``Workload.as_spec``), so the
child never recomputes quick/full differences on its own.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

PEERS = ("twoclass", "keras", "torch", "sklearn", "numpy", "floor")
# Peers whose first fit depends on JAX's persistent compilation cache; the others have no cache to warm.
JAX_PEERS = frozenset({"twoclass", "keras", "floor"})
# Peers whose W4 is one compiled program over all seeds (so a warm-cache process means something there).
VMAP_SEED_PEERS = frozenset({"twoclass", "floor"})
THREADS = 2  # the default of --threads; this machine has 2 cores
THREADS_ENV = "TWOCLASS_BENCH_THREADS"  # how the parent tells each child its thread count
N_SEEDS = 32
RESULT_PREFIX = "BENCH_RESULT "


class Layer(NamedTuple):
    units: int
    activation: str


@dataclasses.dataclass(frozen=True)
class Workload:
    """One workload, as the children run it."""

    key: str
    title: str
    dataset: str  # circles | mean4 | wide
    layers: tuple[Layer, ...]
    optimizer: str  # sgd | adam
    learning_rate: float
    batch_size: int
    epochs: int
    validation: bool  # validation loss + accuracy every epoch, inside the timed fit
    repeats: int  # steady-state fits after the first one, in the same process
    sanity: str  # human-readable rule, checked by harness.sanity_verdict

    def as_spec(self) -> dict:
        spec = dataclasses.asdict(self)
        spec["layers"] = [list(layer) for layer in self.layers]
        return spec


SLIDES_NET = (Layer(4, "tanh"), Layer(1, "sigmoid"))
LESSON_NET = (Layer(8, "relu"), Layer(8, "relu"), Layer(1, "sigmoid"))
WIDE_NET = (Layer(256, "relu"), Layer(256, "relu"), Layer(1, "sigmoid"))


class Sizes(NamedTuple):
    wide_rows: int
    mean4_epochs: int
    repeats_w1: int
    repeats_w2: int
    repeats_w3: int
    repeats_w4_vmapped: int
    child_timeout_s: int
    repeat_budget_s: float  # stop repeating once the steady fits of one child have taken this long (>= 1 repeat)


FULL = Sizes(
    wide_rows=1_000_000,
    mean4_epochs=100,
    repeats_w1=5,
    repeats_w2=3,
    repeats_w3=2,
    repeats_w4_vmapped=5,
    child_timeout_s=900,
    repeat_budget_s=60.0,
)
QUICK = Sizes(
    wide_rows=100_000,
    mean4_epochs=20,
    repeats_w1=3,
    repeats_w2=2,
    repeats_w3=1,
    repeats_w4_vmapped=3,
    child_timeout_s=300,
    repeat_budget_s=15.0,
)

# Steady fits continue past `repeats` until they add up to MIN_TIMED_S (at most MAX_REPEATS fits).
MIN_TIMED_S = 2.0
MAX_REPEATS = 200
# Processes that each time one first fit with the compilation cache the cold process filled (median reported).
WARM_PROCESSES = 3

# Data sizes that do not change between quick and full.
CIRCLES_ROWS = 1_000
MEAN4_TRAIN_ROWS = 10_000
MEAN4_VAL_ROWS = 2_000
WIDE_FEATURES = 28
WIDE_VAL_ROWS = 20_000
PREDICT_ROWS = 100_000
LATENCY_CALLS = 1_000
W5_TRAIN_EPOCHS = 5


def workloads(sizes: Sizes) -> dict[str, Workload]:
    """The five workloads of issue 6, at the given sizes."""
    w1 = Workload(
        "W1",
        "slides' net (2-4-1 tanh, SGD 0.5) on 1,000 circle points, batch 32, 20 epochs",
        "circles",
        SLIDES_NET,
        "sgd",
        0.5,
        32,
        20,
        False,
        sizes.repeats_w1,
        "train accuracy >= 0.9",
    )
    w2 = Workload(
        "W2",
        f"lesson's mean-of-four (8-8-1 relu, Adam 1e-3), 10,000 + 2,000 rows, batch 32, "
        f"{sizes.mean4_epochs} epochs, validation every epoch",
        "mean4",
        LESSON_NET,
        "adam",
        1e-3,
        32,
        sizes.mean4_epochs,
        True,
        sizes.repeats_w2,
        "validation accuracy >= 0.9",
    )
    w3 = Workload(
        "W3",
        f"wide net (256-256 relu, Adam 1e-3) on {sizes.wide_rows:,} rows x {WIDE_FEATURES} "
        "features, batch 1024, 3 epochs",
        "wide",
        WIDE_NET,
        "adam",
        1e-3,
        1024,
        3,
        False,
        sizes.repeats_w3,
        "validation accuracy > majority-class rate",
    )
    w4 = dataclasses.replace(
        w1,
        key="W4",
        title=f"{N_SEEDS} seeds of W1",
        repeats=sizes.repeats_w4_vmapped,
        sanity="median train accuracy over seeds >= 0.9",
    )
    w5 = Workload(
        "W5",
        f"prediction from a loaded model (the W2 net trained {W5_TRAIN_EPOCHS} epochs): latency of "
        f"one row (median of {LATENCY_CALLS:,} calls) and throughput on {PREDICT_ROWS:,} rows",
        "mean4",
        LESSON_NET,
        "adam",
        1e-3,
        32,
        W5_TRAIN_EPOCHS,
        False,
        0,
        "loaded model predicts as the trained one (max |diff| <= 1e-5) and validation accuracy > majority-class rate",
    )
    return {w.key: w for w in (w1, w2, w3, w4, w5)}


def repeats_for(workload: Workload, peer: str) -> int:
    """Steady-state fits after the first; a W4 Python loop over 32 seeds is already 32 fits, so once is enough."""
    if is_seed_loop(workload, peer):
        return 1
    return workload.repeats


def is_seed_loop(workload: Workload, peer: str) -> bool:
    """W4 as a Python loop of 32 fits: one warm-up W1 fit first (the user has fitted before), then one timed loop."""
    return workload.key == "W4" and peer not in VMAP_SEED_PEERS


# Pairs left out of the full run: at 1M rows the hand-written NumPy net needs minutes per fit on 2 shared cores
# (about 16x the floor at 100k rows in --quick, where it still runs).
SKIPPED_IN_FULL = {("W3", "numpy"): "skipped in the full run (minutes per fit at 1M rows); see --quick at 100k rows"}


def wants_warm_phase(workload: Workload, peer: str) -> bool:
    """A second process reusing the cache only means something where a compilation cache exists."""
    if peer not in JAX_PEERS or workload.key == "W5":
        return False
    return workload.key != "W4" or peer in VMAP_SEED_PEERS
