"""The client address used for rate limiting, which a client cannot spoof.

``X-Forwarded-For`` is only believed when ``TRUSTED_PROXIES`` says how many proxies we
sit behind (Werkzeug's ProxyFix is installed then, and rewrites ``remote_addr``).
"""

from flask import request


def client_ip() -> str:
    return request.remote_addr or "unknown"
