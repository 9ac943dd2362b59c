"""Account operations. They flush and raise ``AccountError``; the caller commits."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from webapp.audit.services import record
from webapp.auth.models import ROLE_VALUES, User
from webapp.database import utcnow
from webapp.extensions import db

MINIMUM_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, with a message for the person."""


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(f"'{email}' is not a valid e-mail address: {error}") from error


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str, role: str, password: str | None = None, display_name: str = ""
) -> tuple[User, str]:
    """Create an account; returns it with the password (generated when none is given)."""
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role '{role}'. Choose one of: {', '.join(ROLE_VALUES)}.")
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(f"An account for {email} already exists.")
    password = password or generate_password()
    check_password_strength(password)
    user = User(email=email, role=role, display_name=display_name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user.id, {"email": email, "role": role})
    return user, password


def check_password_strength(password: str) -> None:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise AccountError(f"A password needs at least {MINIMUM_PASSWORD_LENGTH} characters.")


def change_role(user: User, role: str) -> None:
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role '{role}'. Choose one of: {', '.join(ROLE_VALUES)}.")
    previous = user.role
    user.role = role
    record("user.change_role", "user", user.id, {"from": previous, "to": role})


def set_enabled(user: User, enabled: bool) -> None:
    user.is_enabled = enabled
    record("user.enable" if enabled else "user.disable", "user", user.id, {"email": user.email})


def reset_password(user: User, password: str | None = None) -> str:
    password = password or generate_password()
    check_password_strength(password)
    user.set_password(password)
    record("user.reset_password", "user", user.id, {"email": user.email})
    return password


def authenticate(email: str, password: str) -> User | None:
    """Check a sign-in; every attempt, good or bad, goes to the audit log."""
    user = find_user(email)
    if user is None or not user.is_enabled or not user.check_password(password):
        record(
            "user.sign_in_failed",
            "user",
            user.id if user else "",
            {"email": email.strip().lower()[:254]},
            actor_email="",
        )
        return None
    user.last_sign_in_at = utcnow()
    record("user.sign_in", "user", user.id, actor=user)
    return user
