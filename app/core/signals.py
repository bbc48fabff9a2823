"""What happened, announced after the commit that made it true, for any area to hear.

Blinker signals, as Flask itself uses: an area sends, others subscribe, and neither imports
the other. Each signal's sender is the app; keyword arguments say what changed.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A commit changed what the authorization rules read (a membership, a role, a phase, a
# paper's visibility, a lock, a user's sessions): what a socket may receive may have narrowed.
access_changed = _signals.signal("access-changed")
