"""Times with the zone they are written in (comments, replies, a council's latest feedback).

Councils and analysts sit in different parts of the country (and some abroad); a bare
"14:05" in the configured zone (Almaty) read as the reader's own time. The zone's city comes
from the locale data (Алматы in kk and ru) and the offset from the moment itself, so a zone
that changed its offset (Almaty moved from UTC+6 to UTC+5 in 2024) shows the one in force then.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import current_app, has_app_context
from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import gettext as _


def platform_zone() -> ZoneInfo:
    """The platform's time zone (``TIMEZONE``; UTC outside an app). A ZoneInfo, not
    flask-babel's pytz zone, whose ``replace(tzinfo=...)`` gives wrong offsets."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "UTC")


def platform_today(now: datetime) -> date:
    """The date at ``now`` (aware) where the platform runs: answers are counted in its
    months, a period ends there, and a respondent's ``today()`` at 01:00 in Almaty is
    Almaty's date, not UTC's yesterday."""
    return now.astimezone(platform_zone()).date()


def utc_offset(offset: timedelta | None) -> str:
    """``+5``, ``+5:30``, ``-3`` or ``+0``."""
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"


def time_with_zone(value: datetime | None, format: str = "short") -> str:
    """``29.11.2026, 14:05 (по времени Алматы, UTC+5)``: the time in the configured zone,
    which the reader is told."""
    if value is None:
        return "—"
    zone = get_timezone()
    local = value.astimezone(zone)
    offset = utc_offset(local.utcoffset())
    written = format_datetime(value, format)
    zone_name = getattr(zone, "zone", None) or str(zone)
    if zone_name in {"UTC", "Etc/UTC", "Etc/GMT", "GMT"}:
        return _("%(time)s (UTC)", time=written)
    city = get_timezone_location(zone, locale=get_locale(), return_city=True)
    return _("%(time)s (%(city)s time, UTC%(offset)s)", time=written, city=city, offset=offset)
