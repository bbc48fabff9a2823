"""Deliberation: the argument map of each question, its sources, marks and moderation."""
