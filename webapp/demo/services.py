"""Demo accounts: created once with random passwords, printed on first start."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from webapp.auth import services as accounts
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.regions.models import Region

DEMO_ACCOUNTS = (
    ("admin@demo.listening-state.kz", Role.ADMIN, "Demo administrator"),
    ("analyst@demo.listening-state.kz", Role.ANALYST, "Demo analyst"),
    ("council@demo.listening-state.kz", Role.COUNCIL_MEMBER, "Demo council member"),
)


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """Create missing demo accounts; returns (email, role, password) for the new ones only."""
    created = []
    for email, role, name in DEMO_ACCOUNTS:
        if accounts.find_user(email) is None:
            # Not one-time: the password goes to the person running the demo, who signs in
            # with it straight away (README's first command).
            user, password = accounts.create_user(email, role, display_name=name, one_time=False)
            created.append((user.email, role.value, password))
    return created


def save_sign_ins(sign_ins: list[tuple[str, str, str]]) -> Path:
    """Keep the first-start sign-ins in the instance folder (readable by the owner only)."""
    path = Path(current_app.instance_path) / "demo-sign-ins.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        for email, role, password in sign_ins:
            handle.write(f"{role}\t{email}\t{password}\n")
    return path


def geography_problem() -> str | None:
    """Why the demo content cannot go into this database, or None.

    The demo is set in Kazakhstan: its councils, survey answers and statistics name
    Kazakhstan's units. In another country's registry (or an empty one) a loader would stop
    half-way with a traceback, after the accounts were made.
    """
    from forecasting.geography import load_units

    needed = {unit.code for unit in load_units() if unit.valid_to is None}
    stored = set(db.session.scalars(sa.select(Region.code)))
    if not stored:
        return (
            "The region registry is empty. The demo content is set in Kazakhstan: load its "
            "units first with: flask --app webapp regions load"
        )
    missing = sorted(needed - stored)
    if not missing:
        return None
    others = sorted(stored - needed)
    return (
        "The demo content is set in Kazakhstan and needs its units, but this database's "
        f"region registry lacks {len(missing)} of them ({', '.join(missing[:5])}"
        f"{'...' if len(missing) > 5 else ''})"
        + (
            f" and holds others ({', '.join(others[:5])}{'...' if len(others) > 5 else ''})"
            if others
            else ""
        )
        + ". Nothing was loaded. Try the demo in a database of its own (another INSTANCE_PATH "
        "or DATABASE_URL); your own country's installation needs no demo."
    )
