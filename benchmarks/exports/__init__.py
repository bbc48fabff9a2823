"""Export benchmark: ``python -m benchmarks.exports`` (see __main__.py)."""
