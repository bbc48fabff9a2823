"""Pieces every area shares: authorization, transactions, socket events, security, i18n."""
