"""Configuration, read inside the app factory in a fixed order.

Order: these defaults, then ``instance/config.py``, then environment variables, then the
test overrides. Nothing here reads the environment at import time.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask

from webapp.extensions import MEMORY_RATE_LIMITS

LANGUAGES = ("kk", "ru", "en")

#: Environment variables read by the factory, and the config key each one sets.
ENVIRONMENT_VARIABLES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "REDIS_URL": "REDIS_URL",
    "LOG_LEVEL": "LOG_LEVEL",
    "FORCE_HTTPS": "FORCE_HTTPS",
    "SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "SUPPRESSION_THRESHOLD": "SUPPRESSION_THRESHOLD",
    "MODEL_REGISTRY_DIR": "MODEL_REGISTRY_DIR",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "TIMEZONE": "BABEL_DEFAULT_TIMEZONE",
    "REVIEW_TILEMAP_FILE": "REVIEW_TILEMAP_FILE",
    "NATIONAL_NAMES": "NATIONAL_NAMES",
}

#: Names the instance folder (database, secret key, ``config.py``, model registry) when set:
#: a second installation, or a scratch one, beside the default ``instance/``.
INSTANCE_PATH_VARIABLE = "INSTANCE_PATH"

BOOLEAN_KEYS = {"FORCE_HTTPS", "SESSION_COOKIE_SECURE"}
INTEGER_KEYS = {"SUPPRESSION_THRESHOLD", "TRUSTED_PROXIES"}
#: Lists given in one variable, items separated by "|".
LIST_KEYS = {"NATIONAL_NAMES"}


class DefaultConfig:
    SQLALCHEMY_DATABASE_URI: str | None = None  # set from the instance folder when left empty
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    SECRET_KEY: str | None = None
    REDIS_URL: str | None = None
    LOG_LEVEL = "INFO"
    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "en"
    #: The installation's time zone (IANA name): dates on pages, a survey's local days, the end
    #: of a survey-derived indicator's period. Kazakhstan's by default; ``TIMEZONE`` changes it.
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    WTF_CSRF_TIME_LIMIT = None  # a survey page may stay open for hours
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # largest upload: statistics and XLSForm files
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # switch on behind TLS
    REMEMBER_COOKIE_HTTPONLY = True
    #: "Keep me signed in" lasts this long (Flask-Login's default was a year).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    #: A staff session without "keep me signed in" ends after this long without a request
    #: (a browser left open on a shared computer); see ``webapp.auth.sessions``.
    STAFF_IDLE_TIMEOUT = timedelta(hours=2)
    REMEMBER_COOKIE_SAMESITE = "Lax"
    FORCE_HTTPS = False
    RATELIMIT_STORAGE_URI = MEMORY_RATE_LIMITS  # in this process's memory, unless REDIS_URL
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down: count in each process's memory until it is back, rather than fail every
    #: sign-in and survey post with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For and
    #: X-Forwarded-Proto are then trusted, so that rate limits count each client, not the proxy.
    TRUSTED_PROXIES = 0
    SIGN_IN_RATE_LIMIT = "10 per minute; 50 per hour"
    #: Failed sign-ins per typed e-mail, from any address: a guesser with many addresses
    #: is held back too. Successful sign-ins do not count.
    SIGN_IN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"
    SUPPRESSION_THRESHOLD = 10
    MODEL_REGISTRY_DIR: str | None = None
    #: The country's own names, which label its national-total rows in statistics files
    #: ("Кыргызская Республика", "Кыргызстан", "Kyrgyzstan"): an override of the names of
    #: the loaded unit file's country row (stored by ``flask regions load``). None: that
    #: row's names; without one, Kazakhstan's names for Kazakhstan's units, and for another
    #: country's units any "Republic of ..." label.
    NATIONAL_NAMES: tuple[str, ...] | None = None


class ConfigurationError(click.ClickException, ValueError):
    """A setting cannot be used; the message names the setting and the value.

    A ``ClickException``, so that a ``flask ...`` command prints the message alone.
    """


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste from hosting dashboards and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _coerce(variable: str, key: str, value: str) -> Any:
    if key in BOOLEAN_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if key in LIST_KEYS:
        return tuple(item.strip() for item in value.split("|") if item.strip())
    if key in INTEGER_KEYS:
        try:
            return int(value)
        except ValueError:
            raise ConfigurationError(f"{variable} {value!r} is not a whole number") from None
    return value


def load_configuration(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    _use_instance_folder_from_environment(app, test_config)
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    for variable, key in ENVIRONMENT_VARIABLES.items():
        if os.environ.get(variable):
            app.config[key] = _coerce(variable, key, os.environ[variable])
    if test_config:
        app.config.from_mapping(test_config)
    _check_timezone(app.config["BABEL_DEFAULT_TIMEZONE"])

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database_file = Path(app.instance_path) / "listening_state.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database_file}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    # The remember-me cookie signs a user in as surely as the session cookie: same TLS rule.
    app.config["REMEMBER_COOKIE_SECURE"] = bool(
        app.config["SESSION_COOKIE_SECURE"] or app.config.get("REMEMBER_COOKIE_SECURE")
    )
    in_memory = app.config["RATELIMIT_STORAGE_URI"] in {"memory://", MEMORY_RATE_LIMITS}
    if app.config.get("REDIS_URL") and in_memory:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(app))
    if not app.config.get("MODEL_REGISTRY_DIR"):
        app.config["MODEL_REGISTRY_DIR"] = str(Path(app.instance_path) / "model-registry")


def _use_instance_folder_from_environment(app: Flask, test_config: dict[str, Any] | None) -> None:
    """``INSTANCE_PATH`` points the instance folder elsewhere (the tests pass theirs directly)."""
    folder = os.environ.get(INSTANCE_PATH_VARIABLE, "").strip()
    if not folder or (test_config or {}).get("INSTANCE_PATH"):
        return
    app.instance_path = str(Path(folder).expanduser().resolve())
    app.config.root_path = app.instance_path  # where ``config.py`` is read from


def _check_timezone(name: str) -> None:
    """Refuse an unknown zone at start-up, not at the first page that formats a date."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(
            f"TIMEZONE (BABEL_DEFAULT_TIMEZONE) {name!r} is not a time zone name; "
            "use an IANA name such as 'Asia/Bishkek' or 'Asia/Almaty'"
        ) from error


def translation_directories(app: Flask) -> list[str]:
    """Each domain keeps its own catalogue (``webapp/<domain>/translations``); Babel merges them."""
    root = Path(app.root_path)
    return [str(path) for path in sorted(root.glob("**/translations")) if path.is_dir()]


def _instance_secret_key(instance_path: Path) -> str:
    """Generate the key once and keep it in the instance folder, never in the repository."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return key_file.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key
