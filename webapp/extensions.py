"""Extension objects, created here without an app so that any module can import them.

Nothing in this module imports application code: that keeps the import graph acyclic.
Each object is bound to an app in ``create_app`` through ``init_app``.
"""

import contextlib
import threading
import time
from typing import Any, ClassVar

from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.wrappers import Response

# Named constraints make Alembic migrations reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AppLoginManager(LoginManager):
    """Flask-Login whose "strong" session protection leaves anonymous sessions alone.

    Flask-Login takes any non-empty session whose identifier (a hash of the client's address
    and user agent, stored at sign-in) differs from the request's as stolen: it drops the
    sign-in keys and deletes the remember-me cookie. An anonymous visitor's session holds a
    CSRF token and never had an identifier, so each of their requests "failed" the check: the
    session was rewritten, re-signed and sent back, with a remember-me cookie deletion, for
    nothing. A session without a signed-in user, in a request without a remember-me cookie,
    has nothing to protect or clear, and skips the check; every other request is checked
    exactly as before.
    """

    def _session_protection_failed(self) -> bool:
        cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        if "_user_id" not in session and cookie not in request.cookies:
            return False
        return super()._session_protection_failed()


#: The rate limits' default storage: in this process's memory (see ``SweptMemoryStorage``).
MEMORY_RATE_LIMITS = "swept-memory://"


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage whose expired counters are swept by the requests themselves.

    ``MemoryStorage`` starts a timer thread at a hit when none is alive, and each lives 10 ms:
    under steady traffic almost every rate-limited request started a thread, which then
    walked every client's key (about 0.2 ms of CPU per request with one client, twice that
    with two thousand). A counter is checked for expiry whenever it is read, so the sweep
    only frees memory: here a hit runs it itself, at most once per ``SWEEP_SECONDS``.
    Limits are counted exactly as by ``memory://``.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["swept-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timer.cancel()  # the parent's first timer: the requests sweep from now on
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private hook
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_SECONDS
            # A key may go (read as expired, or cleared) in another thread while the sweep
            # walks a copy of the keys: nothing is lost, and the next sweep goes on. In the
            # parent that failed the timer thread; here it must not fail the request.
            with contextlib.suppress(KeyError):
                self._MemoryStorage__expire_events()
        finally:
            self._sweeping.release()


class AppLimiter(Limiter):
    """Flask-Limiter whose ``Retry-After`` goes only on refusals.

    With ``RATELIMIT_HEADERS_ENABLED`` Flask-Limiter 4 sets ``Retry-After`` (the seconds
    until the window resets) on every response of a limited route, including successes, and
    offers no setting to leave it out (RFC 9110 gives it a meaning on 503 and 3xx, RFC 6585
    on 429): an API client reading it on a 200 would wait for nothing. Here the limiter's
    stays on a 429; a response that had its own (a 503 while the database restarts) gets it
    back, since the limiter raised it to the window's end; every other response loses it.
    The ``X-RateLimit-*`` headers are untouched.
    """

    _BEFORE = "_retry_after_before_limiter"

    def init_app(self, app: Flask) -> None:
        first = self not in app.extensions.get("limiter", set())
        if first:  # after_request hooks run in reverse order: this one after the limiter's
            app.after_request(self._retry_after_only_on_refusals)
        super().init_app(app)
        if first:  # ... and this one before it
            app.after_request(self._note_retry_after)

    def _note_retry_after(self, response: Response) -> Response:
        setattr(g, self._BEFORE, response.headers.get("Retry-After"))
        return response

    def _retry_after_only_on_refusals(self, response: Response) -> Response:
        before = g.pop(self._BEFORE, None)
        if response.status_code == 429:
            return response
        if before is None:
            response.headers.pop("Retry-After", None)
        else:  # the response's own (a 503's), as it was before the limiter changed it
            response.headers["Retry-After"] = before
        return response


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = AppLoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = AppLimiter(key_func=get_remote_address)
talisman = Talisman()
