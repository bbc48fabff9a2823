"""Workshops: editions of a school, their questions, stakeholder groups, members, phases."""
