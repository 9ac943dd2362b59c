"""Language choice: Kazakh, Russian, English. Remembered in a cookie, defaulting from the browser."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from werkzeug.wrappers import Response

LANGUAGE_COOKIE = "language"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    if not has_request_context():  # commands (flask surveys import...) speak the default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    for candidate in (session.get("language"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in languages:
            return candidate
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def remember_language(response: Response, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
