"""The areas of the domain, in dependency order: what ``create_app`` registers.

Imported by the factory, not by the ``app`` package itself (``python -m app.server``
imports the package before gevent patches the standard library). Importing an area's
models, rules and socket events registers them (SQLAlchemy's metadata, ``core.authz``,
``core.sockets``); its blueprint and commands are registered on each app.
"""

from __future__ import annotations

from flask import Flask

from app.accounts import cli as accounts_cli
from app.accounts import models as accounts_models
from app.accounts import views as accounts_views
from app.collaboration import events as collaboration_events
from app.collaboration import models as collaboration_models
from app.collaboration import permissions as collaboration_permissions
from app.collaboration import views as collaboration_views
from app.deliberation import demo as deliberation_demo
from app.deliberation import events as deliberation_events
from app.deliberation import models as deliberation_models
from app.deliberation import permissions as deliberation_permissions
from app.deliberation import views as deliberation_views
from app.exports import cli as exports_cli
from app.exports import permissions as exports_permissions
from app.exports import views as exports_views
from app.facilitation import demo as facilitation_demo
from app.facilitation import events as facilitation_events
from app.facilitation import models as facilitation_models
from app.facilitation import permissions as facilitation_permissions
from app.facilitation import views as facilitation_views
from app.review import demo as review_demo
from app.review import events as review_events
from app.review import inbox_views as review_inbox_views
from app.review import models as review_models
from app.review import permissions as review_permissions
from app.review import views as review_views
from app.workshops import cli as workshops_cli
from app.workshops import demo as workshops_demo
from app.workshops import models as workshops_models
from app.workshops import permissions as workshops_permissions
from app.workshops import views as workshops_views

AREAS = (
    "accounts",
    "workshops",
    "collaboration",
    "deliberation",
    "review",
    "facilitation",
    "exports",
)

# Imported for what importing them registers (models, rules, socket events, demo hooks).
REGISTERED = (
    accounts_models,
    workshops_models,
    workshops_permissions,
    workshops_demo,
    collaboration_models,
    collaboration_permissions,
    collaboration_events,
    deliberation_models,
    deliberation_permissions,
    deliberation_events,
    deliberation_demo,
    review_models,
    review_permissions,
    review_events,
    review_demo,
    facilitation_models,
    facilitation_permissions,
    facilitation_events,
    facilitation_demo,
    exports_permissions,
)
BLUEPRINTS = (
    accounts_views.bp,
    workshops_views.bp,
    collaboration_views.bp,
    deliberation_views.bp,
    review_views.bp,
    review_inbox_views.bp,
    facilitation_views.bp,
    exports_views.bp,
)
COMMANDS = (accounts_cli.register, workshops_cli.register, exports_cli.register)


def register(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for commands in COMMANDS:
        commands(app)
