"""Streaming benchmark: training from a Parquet file larger than the memory budget against in-memory training."""
