"""``python serve.py``: the built-in server as ``make run`` starts it (``app/server.py``).

gevent must patch the standard library before anything imports ``socket``, ``ssl`` or
``threading``; ``python -m app.server`` imports the ``app`` package (Flask, Redis, urllib3…)
before its own first line runs, too late (gevent then warns). This file, outside the
package, patches first and only then imports Palabre.
"""

import os

if os.environ.get("PALABRE_SERVER", "gevent") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from app.server import main  # after the patch, on purpose

if __name__ == "__main__":
    main()
