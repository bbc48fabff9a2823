"""Printed by ``make run`` before the server starts: where Palabre is, and who to log in as."""

import os

from app.workshops.demo import ACCOUNTS, DEMO_PASSWORD


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    print(f"\n  Palabre: http://{host}:{port}\n")
    print(f"  Demo accounts (password: {DEMO_PASSWORD}):")
    for account in ACCOUNTS:
        group = f" — {account.group}" if account.group else ""
        print(f"    {account.email:<30} {account.role}{group}")
    print()


if __name__ == "__main__":
    main()
