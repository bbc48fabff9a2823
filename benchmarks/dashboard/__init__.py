"""Dashboard benchmark: ``.venv/bin/python -m benchmarks.dashboard``."""
