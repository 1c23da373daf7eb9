"""Benchmarks of the PyScript integration against TikTok's native-JS one (bench/run.py)."""
