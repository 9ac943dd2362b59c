"""Values every template can use: navigation, languages, the current language."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import format_decimal, get_locale
from flask_login import current_user

from webapp.auth.forms import ROLE_LABELS
from webapp.i18n import LANGUAGE_NAMES
from webapp.navigation import navigation_for
from webapp.times import time_with_zone


def local_number(value: float | int, decimals: int | None = None) -> str:
    """A number as the page's language writes it ('4,50' in kk and ru, '4.50' in en), with
    ``decimals`` fixed digits after the separator when given."""
    if decimals is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""))


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_number, "local_number")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = get_locale()
        return {
            "navigation": navigation_for(current_app, current_user),
            "language_names": LANGUAGE_NAMES,
            "current_language": locale.language if locale else "en",
            "role_labels": ROLE_LABELS,
            "time_with_zone": time_with_zone,
        }
