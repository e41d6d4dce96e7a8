"""Speed benchmark: each (workload, peer) pair runs in its own fresh interpreter on the same data.

Run it with ``python -m benchmarks.speed [--quick] [--only W1,W2] [--peers keras,torch]``.
"""
