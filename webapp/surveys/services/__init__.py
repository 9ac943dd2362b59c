"""Survey operations. They flush and raise ``SurveyError`` subclasses; views and CLI commit.

``authoring``: import, versions, lifecycle, invitations. ``responding``: respondent pages,
drafts and the exactly-once submission. ``demo``: synthetic demo content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_babel import gettext


def _(text: str, **params: Any) -> str:
    """Translate a message for the person in the current request; commands (no request,
    no chosen language) get the English text."""
    if has_request_context():
        return gettext(text, **params)
    return text % params if params else text


class SurveyError(ValueError):
    """A request about surveys that cannot be carried out, with a message for the person."""


@dataclass(frozen=True)
class ImportProblem:
    """One reason an upload was refused; sheet, row and column are None when not known."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportRefused(SurveyError):
    """An XLSForm or JSON definition that cannot be imported; nothing was stored."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
