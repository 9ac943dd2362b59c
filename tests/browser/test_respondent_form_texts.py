"""Texts of an imported form as the respondent sees them in a real browser."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from tests.browser.conftest import LiveApp
from webapp.extensions import db

pytestmark = pytest.mark.browser

SLUG = "consent-paragraphs"
SURVEY = [
    ["type", "name", "label::English (en)", "label::Русский (ru)", "hint::Русский (ru)"],
    [
        "note",
        "consent",
        "Hello.\nThis survey takes 10 minutes.\n\nYour answers are anonymous.",
        "Здравствуйте.\nОпрос займёт 10 минут.\n\nВаши ответы анонимны.",
    ],
    [
        "select_one yn",
        "agree",
        "Do you agree?\nYou may stop at any time.",
        "Вы согласны?\nВы можете прерваться в любой момент.",
        "Выберите ответ.\nЕго можно изменить.",
    ],
]
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Русский (ru)"],
    ["yn", "yes", "Yes", "Да"],
    ["yn", "no", "No", "Нет"],
]


def _import(live_app: LiveApp) -> None:
    from webapp.surveys.services import authoring

    workbook = Workbook()
    workbook.active.title = "survey"
    for row in SURVEY:
        workbook["survey"].append(row)
    choices = workbook.create_sheet("choices")
    for row in CHOICES:
        choices.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with live_app.app.app_context():
        if authoring.find_survey(SLUG) is None:
            definition = authoring.read_definition(buffer.getvalue(), "consent.xlsx")
            survey = authoring.create_survey(
                definition, slug=SLUG, audience="public", source_filename="consent.xlsx"
            )
            authoring.open_survey(survey)
            db.session.commit()


def test_line_breaks_typed_in_the_form_are_shown(live_app: LiveApp, open_context: Any) -> None:
    """A consent note written in paragraphs in Excel (Alt+Enter) ran together as one line."""
    _import(live_app)
    page = open_context(locale="ru-RU").new_page()
    page.goto(f"/s/{SLUG}?lang=ru")
    note = page.locator("#q-consent p").first.inner_text()
    assert note == "Здравствуйте.\nОпрос займёт 10 минут.\n\nВаши ответы анонимны."
    legend = page.locator("fieldset legend").first.inner_text()
    assert legend.startswith("Вы согласны?\nВы можете прерваться в любой момент.")
    hint = page.locator("#q-agree-hint").inner_text()
    assert hint == "Выберите ответ.\nЕго можно изменить."
