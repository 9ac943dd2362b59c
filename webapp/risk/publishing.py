"""Publishing: promote a run so councils and the API see it, or roll back to the previous one.

The registry (``SqlRegistry`` in the application database) keeps the activation history and
does each change in one transaction, with a unique index that allows one active run only.
Here we add the rules the web app needs: only a run whose outputs are materialised may be
published, promoting the published run again is a harmless no-op (a double click), a lost
race with a concurrent change is retried, and every change is audit-logged.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from forecasting.registry import (
    NothingToRollBackError,
    RegistryError,
    RunNotPromotableError,
    UnknownRunError,
)
from webapp.audit.services import record
from webapp.extensions import db
from webapp.risk.i18n import translate as _
from webapp.risk.jobs import registry
from webapp.risk.models import RiskModelRun
from webapp.risk.services import published_run_id

#: Attempts when a concurrent promotion or rollback holds the database (SQLite) or wins the
#: registry's single-active unique index first (the loser's transaction is rolled back whole).
ATTEMPTS = 5


class PublishingRefused(ValueError):
    """A promotion or rollback that cannot be done, with the reason in plain words."""


def promote_run(run_id: str, user: Any) -> bool:
    """Publish ``run_id``; returns False when it already was published (nothing changed)."""
    reg = registry()
    try:
        stored = reg.get(run_id)
    except UnknownRunError:
        raise PublishingRefused(_("There is no run %(id)s.", id=run_id)) from None
    if stored.status != "succeeded":
        raise PublishingRefused(
            _(
                "Run %(id)s failed (%(reason)s); only a successful run can be published.",
                id=run_id,
                reason=stored.message or "—",
            )
        )
    if db.session.get(RiskModelRun, run_id) is None:
        raise PublishingRefused(
            _(
                "Run %(id)s has no stored scores in this application (it was trained "
                "elsewhere, or storing its outputs failed); train a new run.",
                id=run_id,
            )
        )
    previous = published_run_id()
    if previous == run_id:
        return False
    try:
        _retrying(lambda: reg.promote(run_id))
    except RunNotPromotableError as error:
        raise PublishingRefused(str(error)) from None
    record("risk.promote", "model_run", run_id, {"previous": previous}, actor=user)
    db.session.commit()
    return True


def rollback_run(user: Any) -> str:
    """Return to the run published before the current one; returns its id."""
    previous = published_run_id()
    try:
        restored = _retrying(registry().rollback)
    except NothingToRollBackError as error:
        raise PublishingRefused(_("There is no earlier published run to return to.")) from error
    record("risk.rollback", "model_run", restored.id, {"withdrawn": previous}, actor=user)
    db.session.commit()
    return restored.id


def _retrying(operation: Any) -> Any:
    """Run a registry change, retrying when a concurrent change got there first."""
    db.session.rollback()  # no open read transaction may hold SQLite's lock meanwhile
    for attempt in range(ATTEMPTS):
        try:
            return operation()
        except (OperationalError, IntegrityError, RegistryError) as error:
            if isinstance(error, RunNotPromotableError | NothingToRollBackError | UnknownRunError):
                raise
            if attempt == ATTEMPTS - 1:
                raise PublishingRefused(
                    _(
                        "Another publication or rollback was happening at the same time; "
                        "nothing changed, please try again."
                    )
                ) from error
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
