"""Facilitation: phases and deadlines, locks, announcements, the audit log, the dashboard."""
