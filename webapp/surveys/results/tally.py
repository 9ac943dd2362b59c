"""What one response adds to the result tallies, and how tallies are bucketed in time.

Results pages never read raw answers: they read counts per (question, value, region, month),
kept up to date incrementally (see ``services.refresh_tallies``). This module says which
counts a response contributes to; it is pure so that the incremental refresher, the full
rebuild and the tests all use the same rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from webapp.surveys.definition import SurveyDefinition

#: Tally value meaning "respondents who answered this question" (a real answer is never "").
ANSWERED = ""
#: Tally region for responses without a region.
NO_REGION = ""

#: How each question type is summarised.
KIND_BY_TYPE = {
    "select_one": "choice",
    "acknowledge": "choice",
    "date": "date",  # counted by the month of the date given
    "select_multiple": "multiple",
    "integer": "numeric",
    "decimal": "numeric",
    "range": "scale",  # a distribution of its steps and a numeric summary
    "text": "text",
}


def question_kinds(definitions: Iterable[SurveyDefinition]) -> dict[str, str]:
    """Map question name to result kind over several versions (later versions win)."""
    kinds: dict[str, str] = {}
    for definition in definitions:
        for question in definition.questions():
            kind = KIND_BY_TYPE.get(question.type)
            if kind is not None:
                kinds[question.name] = kind
    return kinds


def number_key(value: Any) -> str | None:
    """A canonical text for a numeric answer, so that 3, 3.0 and "3" tally together."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def choice_values(value: Any) -> list[str]:
    """The codes of a select_multiple answer, stored as a list or as space-separated text."""
    items = [str(item) for item in value] if isinstance(value, list | tuple) else str(value).split()
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def tally_keys(kinds: Mapping[str, str], answers: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The (question, value) counts one response adds; ``ANSWERED`` once per answered question."""
    for name, value in answers.items():
        kind = kinds.get(name)
        if kind is None or value is None or value == "" or value == []:
            continue
        if kind == "choice":
            yield name, ANSWERED
            yield name, str(value)
        elif kind == "date":
            yield name, ANSWERED
            yield name, str(value)[:7]
        elif kind == "multiple":
            codes = choice_values(value)
            if codes:
                yield name, ANSWERED
                for code in codes:
                    yield name, code
        elif kind in ("numeric", "scale"):
            key = number_key(value)
            if key is not None:
                yield name, ANSWERED
                yield name, key
        else:
            yield name, ANSWERED


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of a UTC instant where the survey runs (Kazakhstan, by default)."""
    return moment.astimezone(zone).date()


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
