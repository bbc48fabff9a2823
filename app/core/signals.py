"""What happened, announced for any area to hear: news travels up, imports point down.

Blinker signals, as Flask itself uses: an area sends, others subscribe, and the sender
imports none of them. Each signal's sender is the app; keyword arguments say what changed.
A signal is sent at one of two moments, named below with it:

- *in the transaction* that makes the change, when what hears it must change with it
  (a paper's outline, the audit log); what must wait for the commit, a receiver queues
  with ``app.core.transactions.after_commit``;
- *after the commit*, once the change is durable.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# After the commit. A commit changed what the authorization rules read (a membership, a
# role, a phase, a paper's visibility, a lock, a user's sessions): what a socket may receive
# may have narrowed.
access_changed = _signals.signal("access-changed")

# In the transaction. The questions or groups of ``edition`` changed (workshops): each
# group's paper follows (collaboration).
outline_changed = _signals.signal("outline-changed")

# In the transaction, once flushed. An organizer changed a membership of ``edition``
# (workshops): ``action`` ("member.promote", "member.role", "member.move",
# "member.remove"), ``actor``, ``user_id``, ``target``, ``before`` and ``after`` (None
# once removed) as {"role", "group"}, ``group_ids`` (the groups it left and joined).
# Facilitation audits it and, after the commit, tells the member and the editors.
membership_changed = _signals.signal("membership-changed")

# In the transaction. An area below facilitation did something the audit log keeps
# (review's moderation, its decisions on suggestions): ``edition``, ``actor``, ``action``
# ("comment.hide"…), ``target``, ``reason``, ``before``, ``after``. Facilitation, which
# keeps the log, writes the entry (``app.facilitation.audit``): the area need not import it.
audited = _signals.signal("audited")
