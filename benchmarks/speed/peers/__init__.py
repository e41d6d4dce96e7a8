"""One module per peer. Each offers the same four functions, called by ``benchmarks.speed.child``:

- ``train(spec, split, seed)``: build a fresh model and fit it (timed; returns once the work is done);
- ``check(trained, spec, split)``: sanity figures of that fit (not timed);
- ``train_seeds(spec, split, seeds)`` / ``check_seeds(trained, spec, split)``: workload 4;
- ``predict_bench(spec, split, predict_x, workdir)``: workload 5, timed inside.

``spec`` is ``config.Workload.as_spec()``; ``split`` is ``data.Split``.
"""


class NotAvailable(RuntimeError):
    """The peer does not offer what this workload needs (yet); the row is marked 'not available'."""
