"""Font metrics used to fit text on slides (see build_metrics.py)."""
