"""From the children's rows to tables, ratios and the issue's targets; written as speed.md and speed.json."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import statistics
from pathlib import Path

from benchmarks.speed import config

FIT_HEADERS = (
    "peer",
    "import s",
    "first fit cold s",
    "first fit warm s",
    "steady µs/step",
    "rows/s",
    "peak MB",
    "load",
    "sanity",
    "x vs twoclass",
    "x vs floor",
)
PREDICT_HEADERS = (
    "peer",
    "import s",
    "load s",
    "latency 1 row µs",
    "throughput rows/s",
    "peak MB",
    "load",
    "sanity",
    "latency x vs twoclass",
    "throughput: twoclass / peer",
)
LIBRARIES = ("twoclass", "jax", "jaxlib", "optax", "keras", "torch", "scikit-learn", "numpy")


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def steady_s(rows: list[dict], workload: str, peer: str) -> float | None:
    """A peer's steady fit time, only when its result was sane (otherwise its time does not count)."""
    for row in rows:
        if row["workload"] == workload and row["peer"] == peer and row.get("sane"):
            return row.get("steady_fit_s")
    return None


def _ratio(numerator, denominator) -> float | None:
    return numerator / denominator if numerator and denominator else None


def _row_of(rows, workload, peer):
    return next((r for r in rows if r["workload"] == workload and r["peer"] == peer), None)


def _failure_cell(row: dict) -> str:
    if row.get("status") in ("not available", "skipped"):
        return f"{row['status']}: {row.get('error', '')}"
    return f"ERROR: {row.get('error', 'unknown')}"


def _load_cell(row: dict) -> str:
    """The highest 1-minute load average seen around the pair (above the core count: figures are noisy)."""
    load = row.get("load_1min")
    return f"{max(load):.1f}" if load else "—"


def _failed_row(row: dict, figures: int) -> list[str]:
    """A peer that failed: its import time, peak memory, load and error, a dash for each of its ``figures`` timings
    and for both ratios."""
    return [
        row["peer"],
        _fmt(row.get("import_s")),
        *["—"] * figures,
        _fmt(row.get("peak_mb"), 0),
        _load_cell(row),
        _failure_cell(row),
        "—",
        "—",
    ]


def fit_table(rows: list[dict], workload: str) -> list[list[str]]:
    base = {peer: steady_s(rows, workload, peer) for peer in ("twoclass", "floor")}
    table = []
    for row in (r for r in rows if r["workload"] == workload):
        if not row.get("ok"):
            table.append(_failed_row(row, figures=4))
            continue
        steady = row.get("steady_fit_s")
        warm = row.get("warm") or {}
        warm_cell = _fmt(warm.get("first_fit_s")) if warm.get("ok") else ("n/a" if not warm else "error")
        sanity = row["sanity_figure"] if row["sane"] else f"FAILED: {row['sanity_figure']}"
        counted = steady if row["sane"] else None
        table.append(
            [
                row["peer"],
                _fmt(row["import_s"]),
                _fmt(row["first_fit_s"]),
                warm_cell,
                _fmt(steady / row["steps_per_fit"] * 1e6, 1) if steady else "—",
                _fmt(row["rows_per_fit"] / steady, 0) if steady else "—",
                _fmt(max(row["peak_mb"], warm.get("peak_mb") or 0), 0),
                _load_cell(row),
                sanity,
                _fmt(_ratio(counted, base["twoclass"])),
                _fmt(_ratio(counted, base["floor"])),
            ]
        )
    return table


def predict_table(rows: list[dict]) -> list[list[str]]:
    ours = next(
        (r["predict"] for r in rows if r["workload"] == "W5" and r["peer"] == "twoclass" and r.get("sane")), None
    )
    table = []
    for row in (r for r in rows if r["workload"] == "W5"):
        if not row.get("ok"):
            table.append(_failed_row(row, figures=3))
            continue
        p = row["predict"]
        counted = p if row["sane"] else None
        table.append(
            [
                row["peer"],
                _fmt(row["import_s"]),
                _fmt(p["load_s"], 3) if p["load_s"] is not None else "in memory",
                _fmt(p["latency_us"], 1),
                _fmt(p["throughput_rows_s"], 0),
                _fmt(row["peak_mb"], 0),
                _load_cell(row),
                row["sanity_figure"] if row["sane"] else f"FAILED: {row['sanity_figure']}",
                _fmt(_ratio(counted and counted["latency_us"], ours and ours["latency_us"])),
                _fmt(_ratio(ours and ours["throughput_rows_s"], counted and counted["throughput_rows_s"])),
            ]
        )
    return table


def _target(name: str, value: float | None, op: str, bound: float, unit: str = "") -> dict:
    passed = None if value is None else (value <= bound if op == "<=" else value >= bound)
    return {
        "target": f"{name} {op} {bound:g}{unit}",
        "value": value,
        "verdict": {True: "PASS", False: "MISS", None: "n/a (no sane twoclass figure)"}[passed],
    }


def targets(rows: list[dict]) -> list[dict]:
    """The issue's targets, each as a ratio (or time) measured in this run."""
    s = lambda w, p: steady_s(rows, w, p)  # noqa: E731
    out = [
        _target(f"{w}: twoclass steady / floor steady", _ratio(s(w, "twoclass"), s(w, "floor")), "<=", 1.5)
        for w in ("W1", "W2", "W4")
    ]
    out.append(_target("W1: Keras steady / twoclass steady", _ratio(s("W1", "keras"), s("W1", "twoclass")), ">=", 50))
    out.append(_target("W2: Keras steady / twoclass steady", _ratio(s("W2", "keras"), s("W2", "twoclass")), ">=", 9))
    out.append(
        _target(
            "W1 and W2 (issue 3): Keras / twoclass, the smaller",
            min(filter(None, [_ratio(s(w, "keras"), s(w, "twoclass")) for w in ("W1", "W2")]), default=None)
            if s("W1", "twoclass") and s("W2", "twoclass")
            else None,
            ">=",
            10,
        )
    )
    others = [s("W3", p) for p in config.PEERS if p != "twoclass" and s("W3", p)]
    fastest_other = min(others, default=None)
    out.append(
        _target("W3: twoclass steady / fastest other peer", _ratio(s("W3", "twoclass"), fastest_other), "<=", 1.0)
    )
    out.append(
        _target("W4 (32 seeds) / W1 single fit, twoclass", _ratio(s("W4", "twoclass"), s("W1", "twoclass")), "<=", 3)
    )
    for key, label in (
        ("package_import_s", "import twoclass"),
        ("import_s", "import twoclass + models, layers, optimizers (loads JAX)"),
    ):
        imports = [r[key] for r in rows if r["peer"] == "twoclass" and r.get(key) is not None]
        out.append(
            _target(
                f"{label} (median over its children)", statistics.median(imports) if imports else None, "<=", 1.0, " s"
            )
        )
    for w in ("W1", "W2"):
        row = _row_of(rows, w, "twoclass")
        warm = (row or {}).get("warm") or {}
        out.append(
            _target(
                f"{w}: twoclass first fit, warm cache",
                warm.get("first_fit_s") if row and row.get("sane") else None,
                "<=",
                0.5,
                " s",
            )
        )
    return out


def reference_ratios(rows: list[dict]) -> list[dict]:
    """How much faster the floor is than Keras and PyTorch (the issue quotes 90x, 13x, 135x and 19x)."""
    out = []
    for peer in ("keras", "torch", "sklearn", "numpy"):
        for w in ("W1", "W2", "W3", "W4"):
            value = _ratio(steady_s(rows, w, peer), steady_s(rows, w, "floor"))
            if value is not None:
                out.append({"ratio": f"{w}: {peer} steady / floor steady", "value": value})
    return out


def _md_table(headers, cells) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells]
    return "\n".join(lines)


def sections(rows: list[dict], chosen: list[config.Workload]) -> list[tuple[str, str, tuple, list[list[str]]]]:
    """(title, sanity rule, headers, cells) per workload, shared by the markdown and the rich output."""
    out = []
    for w in chosen:
        headers, cells = (
            (PREDICT_HEADERS, predict_table(rows)) if w.key == "W5" else (FIT_HEADERS, fit_table(rows, w.key))
        )
        out.append((f"{w.key}: {w.title}", w.sanity, headers, cells))
    return out


def markdown(result: dict, chosen: list[config.Workload]) -> str:
    m = result["machine"]
    parts = [
        "# twoclass speed benchmark",
        "",
        f"{result['finished']} · mode: {'quick' if result['quick'] else 'full'} · seed {result['seed']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}; load average "
        f"{result['load_before']} before, {result['load_after']} after.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        "",
        f"Threads and caches: {result['env_note']}.",
        "",
        "Steady = median time of the fits after the first one in the same process (a fresh model each time; at "
        f"least the workload's repeats, and more until they add up to {config.MIN_TIMED_S:g} s, at most "
        f"{config.MAX_REPEATS}), divided by the optimizer steps of a fit; first fit warm = median over "
        f"{config.WARM_PROCESSES} new processes that find the compilation cache the first one filled; ratios are "
        "peer steady time / twoclass (or floor) steady time, so above 1 means the peer is slower. A row whose "
        "sanity check fails is marked FAILED and its time counts "
        "nowhere. In W4, peers that loop over the seeds in Python (keras, torch, sklearn, numpy) make one warm-up "
        "fit of W1 and then one timed loop of 32 fits (no first-fit figure); twoclass and the floor run the 32 "
        "seeds as one compiled program. 'load' is the highest 1-minute load average around the pair: above the "
        f"core count ({m['cores']}), other processes shared the CPU and the figures are noisy.",
        "",
    ]
    for title, rule, headers, cells in sections(result["rows"], chosen):
        parts += [f"## {title}", "", f"Sanity: {rule}.", "", _md_table(headers, cells), ""]
    parts += [
        "## Targets (issue 6, issue 3 section 6)",
        "",
        _md_table(
            ("target", "measured", "verdict"),
            [[t["target"], _fmt(t["value"]), t["verdict"]] for t in result["targets"]],
        ),
        "",
        "## The floor against the peers",
        "",
        _md_table(("ratio", "measured"), [[r["ratio"], _fmt(r["value"], 1)] for r in result["reference"]]),
        "",
    ]
    return "\n".join(parts)


def build_result(rows, chosen, quick, seed, load_before, env_note) -> dict:
    return {
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "quick": quick,
        "seed": seed,
        "machine": machine(),
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "env_note": env_note,
        "workloads": {w.key: w.as_spec() for w in chosen},
        "rows": rows,
        "targets": targets(rows),
        "reference": reference_ratios(rows),
    }


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(result: dict, chosen: list[config.Workload], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, json_path = out_dir / "speed.md", out_dir / "speed.json"
    _write_atomic(json_path, json.dumps(result, indent=2) + "\n")
    _write_atomic(md_path, markdown(result, chosen))
    return md_path, json_path


def print_rich(result: dict, chosen: list[config.Workload]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    for title, rule, headers, cells in sections(result["rows"], chosen):
        table = Table(title=f"{title}\n(sanity: {rule})", title_justify="left")
        for header in headers:
            table.add_column(header, overflow="fold")
        for cells_row in cells:
            table.add_row(*cells_row)
        console.print(table)
    table = Table(title="Targets", title_justify="left")
    for header in ("target", "measured", "verdict"):
        table.add_column(header)
    for t in result["targets"]:
        table.add_row(t["target"], _fmt(t["value"]), t["verdict"])
    console.print(table)
    for r in result["reference"]:
        console.print(f"{r['ratio']}: {_fmt(r['value'], 1)}x")
