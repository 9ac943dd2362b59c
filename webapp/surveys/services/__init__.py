"""Survey operations. They flush and raise ``SurveyError`` subclasses; views and CLI commit.

``authoring``: import, versions, lifecycle, invitations. ``responding``: respondent pages,
drafts and the exactly-once submission. ``demo``: synthetic demo content.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext

from webapp.surveys.xlsform import XLSFormProblem


def _(text: str, **params: Any) -> str:
    """Translate a message for the person in the current request; commands (no request,
    no chosen language) get the English text."""
    if has_request_context():
        return gettext(text, **params)
    return text % params if params else text


class SurveyError(ValueError):
    """A request about surveys that cannot be carried out, with a message for the person.

    ``field`` names the form field the message is about (``audience``, ``state_body``...),
    so a page shows it there and not beside another field; None when no field is.
    """

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


#: One reason an upload was refused (sheet, row and column are None when not known); the
#: same shape the XLSForm reader reports, so its problems pass through unchanged.
ImportProblem = XLSFormProblem


class ImportRefused(SurveyError):
    """An XLSForm or JSON definition that cannot be imported; nothing was stored."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
