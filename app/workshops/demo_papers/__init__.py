"""The demo edition's three position papers, one Markdown file per group (package data)."""
