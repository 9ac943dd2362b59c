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


def user_for_session(session_id: str) -> User | None:
    """The account a session (or remember-me cookie) was made for, if its password has not
    changed since; Flask-Login's user loader."""
    user_id, _, stamp = session_id.partition(":")
    if not user_id.isdigit() or not stamp:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.password_stamp, stamp):
        return None
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    role: str,
    password: str | None = None,
    display_name: str = "",
    one_time: bool | None = None,
) -> tuple[User, str]:
    """Create an account; returns it with the password (generated when none is given).

    A one-time password must be replaced by its holder at first sign-in. By default that is a
    generated one (someone hands it over, so someone else has seen it); a typed one is the
    typist's own. The demo passes False: its passwords go to the person who runs it.
    """
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role '{role}'. Choose one of: {', '.join(ROLE_VALUES)}.")
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(f"An account for {email} already exists.")
    generated = not password
    password = password or generate_password()
    check_password_strength(password)
    user = User(email=email, role=role, display_name=display_name.strip())
    user.set_password(password)
    user.must_change_password = generated if one_time is None else one_time
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user.id, {"email": email, "role": role})
    return user, password


class PasswordTooShort(AccountError):
    """Shorter than ``MINIMUM_PASSWORD_LENGTH``."""


class WrongPassword(AccountError):
    """The current password, asked for before a new one is set, is not right."""


class SamePassword(AccountError):
    """The new password is the one it should replace (a one-time password kept)."""


def check_password_strength(password: str) -> None:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise PasswordTooShort(f"A password needs at least {MINIMUM_PASSWORD_LENGTH} characters.")


def change_role(user: User, role: str) -> None:
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role '{role}'. Choose one of: {', '.join(ROLE_VALUES)}.")
    previous = user.role
    user.role = role
    record("user.change_role", "user", user.id, {"from": previous, "to": role})


def set_enabled(user: User, enabled: bool) -> None:
    user.is_enabled = enabled
    record("user.enable" if enabled else "user.disable", "user", user.id, {"email": user.email})


def reset_password(user: User, password: str | None = None, one_time: bool | None = None) -> str:
    """Give an account a new password (generated when none is given); its sessions end, as
    their stamp no longer matches. ``one_time`` as for ``create_user``."""
    generated = not password
    password = password or generate_password()
    check_password_strength(password)
    user.set_password(password)
    user.must_change_password = generated if one_time is None else one_time
    record("user.reset_password", "user", user.id, {"email": user.email})
    return password


def choose_password(user: User, current_password: str, new_password: str) -> None:
    """The holder replaces their password (a one-time one, or any) with one of their own.

    The current password is asked again so that a session left open does not let someone
    else lock its owner out. Sessions made with the old password end (``password_stamp``);
    the caller signs the current one in again.
    """
    if not user.check_password(current_password):
        record("user.change_password_failed", "user", user.id, {"reason": "wrong password"})
        raise WrongPassword("The current password is not right.")
    check_password_strength(new_password)
    if new_password == current_password:
        raise SamePassword("The new password must differ from the current one.")
    was_one_time = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    record("user.change_password", "user", user.id, {"one_time": was_one_time}, actor=user)


#: Written in the audit log instead of what was typed when it is no e-mail address.
NOT_AN_EMAIL = "(not an e-mail address)"


class AccountDisabled(AccountError):
    """The password was right but the account is disabled."""


def typed_email_for_audit(email: str) -> str:
    """What the audit log keeps of a failed sign-in's e-mail field.

    People type their password into the e-mail field often enough: text that is no e-mail
    address (no ``@``, or spaces in it) is not written to the log, which every administrator
    reads.
    """
    text = email.strip().lower()
    if "@" not in text or any(character.isspace() for character in text):
        return NOT_AN_EMAIL
    return text[:254]


def authenticate(email: str, password: str) -> User | None:
    """Check a sign-in; every attempt, good or bad, goes to the audit log.

    Raises ``AccountDisabled`` when the password is right but the account is disabled, so
    that its owner is told why (whoever knows the password may know that much).
    """
    user = find_user(email)
    password_right = user is not None and user.check_password(password)
    if user is None or not password_right or not user.is_enabled:
        details = {"email": typed_email_for_audit(email)}
        if user is not None and not user.is_enabled:
            details["reason"] = "account disabled"
        record("user.sign_in_failed", "user", user.id if user else "", details, actor_email="")
        if password_right:
            raise AccountDisabled("account disabled")
        return None
    user.last_sign_in_at = utcnow()
    record("user.sign_in", "user", user.id, actor=user)
    return user
