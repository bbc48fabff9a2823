"""Accounts: users, passwords, login and logout, sign-up by invitation."""
