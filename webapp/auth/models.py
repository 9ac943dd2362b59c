from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.database import UTCDateTime, utcnow
from webapp.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    COUNCIL_MEMBER = "council_member"


ROLE_VALUES = tuple(role.value for role in Role)


class User(UserMixin, db.Model):
    """A staff account. Respondents never get one: their answers stay anonymous."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'analyst', 'council_member')",
            name="role_is_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, stored lower case so that uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    #: Deactivated accounts keep their history in the audit log but cannot sign in.
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: The password was generated and handed over (a one-time password from an administrator
    #: or ``flask users``): whoever else saw it could use it, so until its holder chooses
    #: their own every page leads to the change-password page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt, a memory-hard key-derivation function.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def password_stamp(self) -> str:
        """Changes with the password; kept in the session so that a new password (a reset
        after a leak) ends every session and remember-me cookie made with the old one."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:  # what Flask-Login stores in the session and remember cookie
        return f"{self.id}:{self.password_stamp}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for inactive users
        return self.is_enabled

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
