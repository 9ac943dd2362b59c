"""Recording and querying the audit log. Callers commit; recording only adds to the session."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from webapp.audit.models import AuditEvent
from webapp.extensions import db


def record(
    action: str,
    target_type: str = "",
    target_id: object = "",
    details: dict[str, Any] | None = None,
    actor: Any = None,
    actor_email: str | None = None,
) -> AuditEvent:
    """Add an audit event for the current (or given) actor to the session."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if actor is None and actor_email is None and not has_request_context():
        actor_email = "(command line or worker)"
    event = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else "",
        details=details or {},
        actor_id=getattr(actor, "id", None),
        actor_email=actor_email if actor_email is not None else getattr(actor, "email", ""),
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    target_type: str = ""
    date_from: date | None = None
    date_to: date | None = None


#: An action filter ending so means every action of the group (``user.*``).
GROUP_SUFFIX = ".*"


def filtered_query(criteria: AuditFilter) -> sa.Select[tuple[AuditEvent]]:
    """Events matching the filter, newest first. An action is matched exactly (choosing
    ``user.sign_in`` must not list ``user.sign_in_failed``); ``user.*`` matches the group."""
    query = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if criteria.action.endswith(GROUP_SUFFIX):
        prefix = criteria.action[: -len(GROUP_SUFFIX)] + "."
        query = query.where(AuditEvent.action.startswith(prefix, autoescape=True))
    elif criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.actor:
        query = query.where(AuditEvent.actor_email.contains(criteria.actor.lower()))
    if criteria.target_type:
        query = query.where(AuditEvent.target_type == criteria.target_type)
    if criteria.date_from:
        start = datetime.combine(criteria.date_from, time.min, tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at >= start)
    if criteria.date_to:
        end = datetime.combine(criteria.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        query = query.where(AuditEvent.occurred_at < end)
    return query


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by("action")))


def action_choices(actions: list[str]) -> list[str]:
    """The filter's options: a group (``user.*``) before its actions, where it has several."""
    sizes = Counter(action.split(".", 1)[0] for action in actions if "." in action)
    choices: list[str] = []
    for action in actions:
        name = action.split(".", 1)[0]
        group = name + GROUP_SUFFIX
        if "." in action and sizes[name] > 1 and group not in choices:
            choices.append(group)
        choices.append(action)
    return choices


def known_target_types() -> list[str]:
    query = sa.select(AuditEvent.target_type).where(AuditEvent.target_type != "").distinct()
    return list(db.session.scalars(query.order_by("target_type")))


def details_text(details: dict[str, Any] | None) -> str:
    """An event's details as one line of JSON (the page and the CSV export show it so)."""
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
