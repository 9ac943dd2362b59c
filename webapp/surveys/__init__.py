"""Surveys: XLSForm-authored questionnaires, anonymous respondents, public-council feedback.

Pure modules (``definition``, ``xlsform``, ``expressions``, ``answers``) hold the survey
language; ``models``, ``services`` and ``views`` store and serve it.
"""

from flask import Flask


def register(app: Flask) -> None:
    from webapp.surveys import models  # noqa: F401  (tables join the metadata)
