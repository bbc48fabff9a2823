"""Review: comments on a passage, suggested edits, facilitators' feedback, notifications.

It sits between collaboration and facilitation: it reads the sections' live documents and
edits them through collaboration's server edits; facilitation's dashboard reads its
feedback; the audit log is written through ``core.signals.audited`` (see ARCHITECTURE.md,
"Comments and suggestions").
"""
