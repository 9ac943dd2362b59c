"""A citizen answers the demo survey in Kazakh on a phone, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext

from tests.browser.conftest import LiveApp, Steps
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.definition import SurveyDefinition
from webapp.surveys.models import SurveyResponse
from webapp.surveys.services.authoring import find_survey
from webapp.surveys.services.demo import CITIZEN_SLUG

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def in_language(app: Flask, language: str, message: str, **params: Any) -> str:
    """The app's own translation of an interface string."""
    with app.test_request_context(), force_locale(language):
        return gettext(message, **params)


def citizen_definition(app: Flask) -> SurveyDefinition:
    with app.app_context():
        return find_survey(CITIZEN_SLUG).current_version.load()


def stored_responses(app: Flask, submission_id: str | None = None) -> list[SurveyResponse]:
    with app.app_context():
        query = sa.select(SurveyResponse)
        if submission_id is not None:
            query = query.where(SurveyResponse.submission_id == submission_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def region_name(app: Flask, code: str, language: str) -> str:
    with app.app_context():
        return db.session.get(Region, code).name(language)


DESCRIBED_ERROR = """name => {
  const input = document.getElementsByName(name)[0];
  const owner = ['radio', 'checkbox'].includes(input.type) && input.closest('fieldset')
    ? input.closest('fieldset') : input;
  const ids = (owner.getAttribute('aria-describedby') || '').split(/\\s+/);
  return ids.map(id => document.getElementById(id))
    .filter(element => element && element.classList.contains('error-message'))
    .map(element => element.textContent.replace(/\\s+/g, ' ').trim()).join(' ');
}"""


class SurveyPage:
    """The respondent's view of the current page, in the words of the form."""

    def __init__(self, page: Any, definition: SurveyDefinition, language: str) -> None:
        self.page = page
        self.definition = definition
        self.language = language

    def label(self, name: str) -> str:
        return self.definition.text(self.definition.question(name).label, self.language)

    def choice_label(self, question: str, choice: str) -> str:
        options = self.definition.choices_for(self.definition.question(question))
        [match] = [option for option in options if option.name == choice]
        return self.definition.text(match.label, self.language)

    def page_title(self, name: str) -> str:
        return self.definition.text(self.definition.page(name).label, self.language)

    def expect_page(self, name: str) -> None:
        heading = self.page.locator("form.survey-form h2")
        assert heading.inner_text().strip() == self.page_title(name)

    def total_pages(self) -> int:
        return int(self.page.locator("progress").get_attribute("max"))

    def choose(self, question: str, *choices: str) -> None:
        """Pick choices by their label on screen, as a person would."""
        group = self.page.get_by_role("group", name=self.label(question), exact=False)
        for choice in choices:
            group.get_by_label(self.choice_label(question, choice), exact=True).check()

    def field(self, question: str) -> Any:
        return self.page.locator(f"[name='answer-{question}']")

    def field_error(self, question: str) -> str:
        """The error text tied to the field by ``aria-describedby`` (what a screen reader
        announces with the field), so both the text and its wiring are checked."""
        return self.page.evaluate(DESCRIBED_ERROR, f"answer-{question}")

    def press(self, action: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(f"form.survey-form button[value={action}]").click()


def test_respondent_answers_in_kazakh_on_a_phone(
    live_app: LiveApp, open_context: Any, steps: Steps
) -> None:
    app = live_app.app
    definition = citizen_definition(app)
    already_stored = len(stored_responses(app))
    # The phone asks for Russian; the respondent switches the survey to Kazakh.
    page = open_context(locale="ru-RU", **PHONE).new_page()
    page.goto(f"/s/{CITIZEN_SLUG}")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == definition.label("ru")
    with page.expect_navigation():
        page.locator("nav.survey-languages").get_by_role("link", name="Қазақша").click()
    survey = SurveyPage(page, definition, "kk")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == definition.label("kk")
    survey.expect_page("intro")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    steps.shot(page, "first-page-in-kazakh")

    page.get_by_label(survey.label("consent"), exact=False).check()
    survey.press("next")
    survey.expect_page("about")
    # The youth page is asked of 18-29 year olds only: not counted before the age is known.
    all_pages = len(definition.pages)
    assert definition.page("youth").relevant
    assert survey.total_pages() == all_pages - 1

    # A required answer missing and a number out of range: errors in Kazakh, nothing stored.
    survey.field("region").select_option("KZ-75")
    survey.field("household_size").fill("25")
    survey.press("next")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    problem = in_language(app, "kk", "There is a problem")
    assert problem != "There is a problem", "the error summary heading is not translated"
    assert summary.locator("h2").inner_text() == problem
    required = in_language(app, "kk", "This question requires an answer.")
    assert required != "This question requires an answer."
    out_of_range = definition.question("household_size").constraint_message["kk"]
    assert survey.field_error("age_group").endswith(required)
    assert survey.field_error("household_size").endswith(out_of_range)
    summary_text = summary.inner_text()
    # a label that ends in its own question mark is followed by a space, not "?:"
    age_label = survey.label("age_group")
    assert age_label.endswith("?")
    assert f"{age_label} {required}" in summary_text and "?:" not in summary_text
    assert out_of_range in summary_text
    assert survey.field("household_size").get_attribute("aria-invalid") == "true"
    # What was right is kept.
    assert survey.field("region").input_value() == "KZ-75"
    selected = survey.field("region").locator("option:checked").inner_text()
    assert selected == region_name(app, "KZ-75", "kk")
    steps.shot(page, "errors-in-kazakh")
    assert len(stored_responses(app)) == already_stored

    # Fixed, as a 30-44 year old: no youth page.
    survey.choose("age_group", "30_44")
    survey.field("household_size").fill("3")
    survey.press("next")
    survey.expect_page("trust")
    assert survey.total_pages() == all_pages - 1
    # Back, now 18-29: the youth page joins the path.
    survey.press("back")
    survey.expect_page("about")
    assert survey.field("household_size").input_value() == "3"
    survey.choose("age_group", "18_29")
    survey.press("next")
    survey.expect_page("trust")
    assert survey.total_pages() == all_pages
    survey.choose("trust_regional_akimat", "4")
    survey.choose("trust_district_akimat", "3")
    survey.press("next")

    survey.expect_page("services")
    survey.choose("services_used", "psc", "egov")
    survey.choose("services_satisfaction", "4")
    survey.press("next")

    survey.expect_page("local_problems")
    survey.choose("main_problem", "jobs")
    survey.press("next")

    survey.expect_page("harmony")
    survey.choose("interethnic_harmony", "5")
    survey.press("next")

    survey.expect_page("youth")
    steps.shot(page, "youth-page")
    survey.choose("youth_status", "working")
    survey.press("next")

    survey.expect_page("information")
    survey.choose("information_access", "2")
    survey.choose("information_sources", *_first_choices(definition, "information_sources", 2))
    survey.press("next")

    survey.expect_page("final")
    survey.field("comment").fill("Жолдарды жөндеу керек.")
    steps.shot(page, "last-page")
    survey.press("next")

    thanks = in_language(app, "kk", "Thank you")
    assert thanks != "Thank you"
    assert page.locator(".panel-success h2").inner_text() == thanks
    submission_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    steps.shot(page, "thank-you")

    # The browser's Back button and a second Submit do not count the answers twice.
    page.go_back()
    if page.locator("form.survey-form").count():  # the last page, restored with its answers
        survey.press("next")
    assert page.locator(".panel-success h2").inner_text() == thanks

    [stored] = stored_responses(app, submission_id)
    assert len(stored_responses(app)) == already_stored + 1
    assert stored.language == "kk"
    assert stored.region_code == "KZ-75"
    answers = stored.answers
    assert answers["age_group"] == "18_29"
    assert answers["youth_status"] == "working"
    assert answers["household_size"] == 3
    assert answers["services_used"] == ["psc", "egov"]
    assert answers["main_problem"] == "jobs"
    assert answers["comment"] == "Жолдарды жөндеу керек."
    # Questions hidden by the answers were neither asked nor stored.
    assert "main_problem_other" not in answers
    assert "neet_note" not in answers


def _first_choices(definition: SurveyDefinition, question: str, count: int) -> list[str]:
    return [choice.name for choice in definition.choices_for(definition.question(question))][:count]
