"""axe-core on the main pages, in Kazakh, Russian and English: no serious or critical issues.

Each page is audited as a person sees it (after the app's CSS has applied), in every
language, because translations change text length, ``lang`` attributes and contrast only
where text wraps differently. Findings of every impact are recorded and printed in the
terminal summary; only ``serious`` and ``critical`` ones fail the test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LANGUAGES, AxeAudit, LiveApp, fail_on_serious, switch_language
from webapp.surveys.services.demo import CITIZEN_SLUG

pytestmark = pytest.mark.browser

#: Fills what a page still lacks with its first choice (or 2 for a number) and goes on:
#: enough to walk any page of the demo survey to the thank-you page.
ANSWER_ANYTHING = """() => {
  const form = document.querySelector('form.survey-form');
  const groups = new Map();
  for (const input of form.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    if (input.closest('.survey-trap')) continue;
    if (!groups.has(input.name)) groups.set(input.name, []);
    groups.get(input.name).push(input);
  }
  for (const inputs of groups.values()) {
    if (!inputs.some(input => input.checked)) inputs[0].checked = true;
  }
  for (const select of form.querySelectorAll('select')) {
    if (!select.value && select.options.length > 1) select.selectedIndex = 1;
  }
  for (const input of form.querySelectorAll('input[inputmode=numeric]')) {
    if (!input.value) input.value = '2';
  }
}"""


def next_page(page: Any) -> None:
    with page.expect_navigation():
        page.locator("form.survey-form button[value=next]").click()


def test_axe_finds_what_it_should(
    browser: Any, axe_script: Path, axe: Callable[..., AxeAudit]
) -> None:
    """The harness itself: a page with known faults must be reported, or a clean result
    elsewhere would mean nothing. (No live app needed.)"""
    context = browser.new_context()
    context.add_init_script(path=str(axe_script))
    page = context.new_page()
    page.set_content(
        "<html><head><title>t</title></head><body><main><h1>t</h1>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        '<p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    audit = axe(page, "known faults", record=False)
    found = {violation["id"]: violation["impact"] for violation in audit.violations}
    assert found.get("image-alt") == "critical"
    assert found.get("label") == "critical"
    assert found.get("color-contrast") == "serious"
    assert found.get("html-has-lang") == "serious"
    context.close()


def test_public_pages_in_three_languages(
    live_app: LiveApp, open_context: Any, axe: Callable[..., AxeAudit]
) -> None:
    page = open_context(accessibility=True).new_page()
    audits = []
    for language in LANGUAGES:
        page.goto("/")
        switch_language(page, language)
        audits.append(axe(page, "home"))
        page.goto("/sign-in")
        audits.append(axe(page, "sign-in"))
        page.goto("/regions/")
        audits.append(axe(page, "regions"))
        page.goto("/s/")
        audits.append(axe(page, "open surveys"))
        page.goto(f"/s/{CITIZEN_SLUG}?lang={language}")
        audits.append(axe(page, "survey: first page"))
        page.evaluate(ANSWER_ANYTHING)
        next_page(page)
        next_page(page)  # nothing answered on the second page
        assert page.locator(".error-summary").count() == 1
        audits.append(axe(page, "survey: page with errors"))
    fail_on_serious(audits)


def test_every_survey_page_in_kazakh(
    live_app: LiveApp, open_context: Any, axe: Callable[..., AxeAudit]
) -> None:
    """Each page has its own widgets (drop-down, scales, check boxes, text area)."""
    page = open_context(accessibility=True).new_page()
    page.goto(f"/s/{CITIZEN_SLUG}?lang=kk")
    audits = []
    for number in range(1, 21):
        if page.locator(".panel-success").count():
            audits.append(axe(page, "survey: thank-you"))
            break
        audits.append(axe(page, f"survey: page {number}"))
        page.evaluate(ANSWER_ANYTHING)
        next_page(page)
    else:
        raise AssertionError(f"the survey did not end after 20 pages: {page.url}")
    assert page.locator("html").get_attribute("lang") == "kk"
    fail_on_serious(audits)
