"""Load test of `twoclass serve` against MLServer's scikit-learn runtime: `python -m benchmarks.serve`."""
