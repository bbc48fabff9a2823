"""Collaboration: the position papers, their sections and the live editing of them."""
