"""Demo accounts: created once with random passwords, printed on first start."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from webapp.auth import services as accounts
from webapp.auth.models import Role

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
            user, password = accounts.create_user(email, role, display_name=name)
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
