"""Shared helpers for the survey storage and respondent tests: real .xlsx forms, page
parsing, and posting pages like a browser without JavaScript would."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook

LABELS = ["label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"]
HEADER = ["type", "name", *LABELS, "required", "relevant", "constraint"]

#: Two pages: a region and an age (with a range constraint), then employment with skip
#: logic (the employer is asked only of people who work) and a 1-5 trust rating.
WELLBEING_SURVEY = [
    HEADER,
    ["begin group", "about", "Сіз туралы", "О вас", "About you"],
    ["select_one region", "region", "Өңір", "Регион", "Region", "yes"],
    ["integer", "age", "Жасыңыз", "Ваш возраст", "Your age", "yes", None, ". >= 18 and . <= 100"],
    ["end group", "about"],
    ["begin group", "work", "Жұмыс", "Работа", "Work"],
    ["select_one yesno", "employed", "Жұмыс істейсіз бе?", "Вы работаете?", "Do you work?", "yes"],
    [
        "text",
        "employer",
        "Қай жерде?",
        "Где?",
        "Where?",
        "yes",
        "${employed} = 'yes'",
    ],
    ["select_one rating5", "trust", "Сенім", "Доверие", "Trust", "yes"],
    ["select_multiple topics", "topics", "Тақырыптар", "Темы", "Topics"],
    ["end group", "work"],
]
WELLBEING_CHOICES = [
    ["list_name", "name", *LABELS],
    ["yesno", "yes", "Иә", "Да", "Yes"],
    ["yesno", "no", "Жоқ", "Нет", "No"],
    *[["rating5", str(n), str(n), str(n), str(n)] for n in range(1, 6)],
    ["topics", "roads", "Жолдар", "Дороги", "Roads"],
    ["topics", "jobs", "Жұмыс", "Работа", "Jobs"],
]
WELLBEING_SETTINGS = [
    [
        "form_id",
        "form_title::Kazakh (kk)",
        "form_title::Russian (ru)",
        "form_title::English (en)",
        "default_language",
    ],
    ["wellbeing", "Әл-ауқат", "Благополучие", "Wellbeing", "Kazakh (kk)"],
]


def xlsx_bytes(
    survey: list[list[Any]] | None = None,
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
) -> bytes:
    """A real .xlsx workbook (the wellbeing form unless told otherwise)."""
    workbook = Workbook()
    sheets = {
        "survey": WELLBEING_SURVEY if survey is None else survey,
        "choices": WELLBEING_CHOICES if choices is None else choices,
        "settings": WELLBEING_SETTINGS if settings is None else settings,
    }
    first = True
    for title, rows in sheets.items():
        sheet = workbook.active if first else workbook.create_sheet(title)
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_survey(
    app: Flask,
    *,
    audience: str = "public",
    slug: str = "wellbeing",
    open_it: bool = True,
    data: bytes | None = None,
    **options: Any,
) -> int:
    """Import the form through the service layer; returns the survey id."""
    from webapp.extensions import db
    from webapp.surveys.services import authoring

    with app.app_context():
        definition = authoring.read_definition(data or xlsx_bytes(), "wellbeing.xlsx")
        survey = authoring.create_survey(
            definition, slug=slug, audience=audience, source_filename="wellbeing.xlsx", **options
        )
        if open_it:
            authoring.open_survey(survey)
        db.session.commit()
        return survey.id


SUBMISSION = re.compile(r'name="submission_id" value="([0-9a-f-]{36})"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)" class="form survey-form"')
PAGE = re.compile(r'name="page" value="(\d+)"')


def form_of(html: str) -> dict[str, str]:
    """The hidden fields and action of a respondent page."""
    return {
        "submission_id": SUBMISSION.search(html).group(1),
        "csrf_token": CSRF.search(html).group(1),
        "action": ACTION.search(html).group(1),
        "page": PAGE.search(html).group(1),
    }


def answer_page(
    client: FlaskClient,
    html: str,
    answers: dict[str, Any],
    action: str = "next",
    language: str = "kk",
    **extra: Any,
):
    """Post one page as a browser would: hidden fields plus ``answer-<name>`` fields."""
    form = form_of(html)
    data: dict[str, Any] = {
        "csrf_token": form["csrf_token"],
        "submission_id": form["submission_id"],
        "page": form["page"],
        "language": language,
        "action": action,
        **extra,
    }
    for name, value in answers.items():
        data[f"answer-{name}"] = value
    return client.post(form["action"], data=data)


def count_responses(app: Flask) -> int:
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse))


def stored_responses(app: Flask) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.surveys.models import SurveyResponse

    with app.app_context():
        rows = db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id))
        return [
            {
                "answers": row.answers,
                "language": row.language,
                "region_code": row.region_code,
                "council_id": row.council_id,
                "respondent_user_id": row.respondent_user_id,
                "invitation_id": row.invitation_id,
                "submission_id": row.submission_id,
                "survey_version_id": row.survey_version_id,
            }
            for row in rows
        ]
