"""Benchmarks for twoclass, run against the peers a user would pick instead (see benchmarks/README.md)."""
