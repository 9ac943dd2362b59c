"""Pages on a 360 px phone: nothing but a scrolling table may be wider than the screen.

A table wider than a phone scrolls inside its ``.table-wrap``; its caption used to run along
the whole table, so its end was cut off at the screen's edge ("Territorial units of the
registry: curr…"). Identifiers in headings ("Edit question recommendations_accepted") have no
spaces and widened the page. Drawn by headless Chromium with the app's own style sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PHONE_WIDTH = 360

pytestmark = [
    pytest.mark.browser,
    pytest.mark.any_database,  # page layout: the same on either database
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found"),
]

#: Right edge of each caption's text and of each heading's text, and the page's width.
MEASURE = """() => {
  const textRight = element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return Math.max(0, ...[...range.getClientRects()].map(rect => rect.right));
  };
  return {
    captions: [...document.querySelectorAll('caption')].map(textRight),
    headings: [...document.querySelectorAll('h1, h2')].map(textRight),
    page: document.documentElement.scrollWidth,
  };
}"""


def with_inline_styles(client, page: str) -> str:
    """The page with its screen style sheets inlined, ready for ``set_content``."""

    def inline(match: re.Match[str]) -> str:
        if match.group(2) == "print":
            return ""
        return f"<style>{client.get(match.group(1)).get_data(as_text=True)}</style>"

    return re.sub(r'<link rel="stylesheet" href="([^"]+)"(?: media="([^"]+)")?>', inline, page)


def on_a_phone(pages: dict[str, str], read: Callable[[Any], Any]) -> dict[str, Any]:
    """``read(view)`` on each page, drawn by headless Chromium at a phone's width.

    Playwright's sync API refuses a thread whose event loop is running (the browser tests of
    the same worker hold one): the browser runs in a thread of its own."""

    def draw() -> dict[str, Any]:
        from playwright.sync_api import sync_playwright

        found = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            try:
                view = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 740})
                for name, html in pages.items():
                    view.set_content(html)
                    found[name] = read(view)
            finally:
                browser.close()
        return found

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(draw).result()


def measure(pages: dict[str, str], script: str = MEASURE) -> dict[str, Any]:
    """``script``'s result on each page at a phone's width."""
    return on_a_phone(pages, lambda view: view.evaluate(script))


def test_captions_of_scrolling_tables_stay_on_a_phone_screen(app, client, regions):
    pages = {
        language: with_inline_styles(
            client,
            client.get("/regions/", headers={"Accept-Language": language}).get_data(as_text=True),
        )
        for language in ("kk", "ru", "en")
    }
    for language, edges in measure(pages).items():
        assert edges["captions"], language
        assert max(edges["captions"]) <= PHONE_WIDTH, (language, edges)
        assert edges["page"] <= PHONE_WIDTH, (language, edges)


def test_identifiers_in_headings_wrap_on_a_phone_screen(app, client):
    page = with_inline_styles(client, client.get("/").get_data(as_text=True))
    heading = "<h1>Edit question <code>recommendations_accepted_in_the_last_quarter</code></h1>"
    page = page.replace("<h1>", heading + "<h1>", 1)
    edges = measure({"home": page})["home"]
    assert max(edges["headings"]) <= PHONE_WIDTH, edges
    assert edges["page"] <= PHONE_WIDTH, edges


def test_an_account_page_headed_by_its_e_mail_fits_a_phone(app, client, make_user, sign_in):
    """/admin/users/<id> is headed by the account's e-mail, one word with no spaces: it
    widened the page by 29 px at 360 px."""
    sign_in(make_user("admin"))
    account = make_user("analyst", email="council-secretary@akimat.almaty.example.kz")
    page = with_inline_styles(
        client, client.get(f"/admin/users/{account.id}").get_data(as_text=True)
    )
    edges = measure({"account": page})["account"]
    assert max(edges["headings"]) <= PHONE_WIDTH, edges
    assert edges["page"] <= PHONE_WIDTH, edges


def test_a_long_word_in_running_text_fits_a_phone(app, client):
    """The statistics check page's "SHA-256: <64 hex digits>" widened the page by 279 px."""
    page = with_inline_styles(client, client.get("/").get_data(as_text=True))
    sha = "75dfd4eebedc3a66de72035e2fcfd265ba59f88e614c864a91c9da85069601c0"
    page = page.replace("<h1>", f"<p>SHA-256: {sha}</p><ul><li>{sha}.csv</li></ul><h1>", 1)
    edges = measure({"home": page})["home"]
    assert edges["page"] <= PHONE_WIDTH, edges


HEADER = """() => ({
  header: document.querySelector('.site-header').getBoundingClientRect().height,
  targets: Math.min(...[...document.querySelectorAll('.main-nav a, .main-nav button')]
    .map(element => element.getBoundingClientRect().height)),
  links: document.querySelectorAll('.main-nav a').length,
})"""


def test_a_staff_header_leaves_most_of_a_phone_screen_to_the_page(app, client, make_user, sign_in):
    """An administrator's header (ten links and the account) took 445 of 740 px in Kazakh,
    so every page opened on navigation alone. All links stay shown, at least 32 px tall."""
    sign_in(make_user("admin"))
    page = with_inline_styles(
        client, client.get("/regions/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    )
    found = measure({"page": page}, HEADER)["page"]
    assert found["links"] >= 10, found
    assert found["header"] <= 0.45 * 740, found
    assert found["targets"] >= 32, found


CONDITIONAL_REQUIRED = {
    "en": ("(required if it applies)", "(required)"),
    "ru": ("(обязательно, если относится к вам)", "(обязательно)"),
    "kk": ("(сәйкес келсе, міндетті)", "(міндетті)"),
}
EMPLOYER = """() => ({
  label: document.querySelector('label[for="q-employer"]').innerText,
  shown: !!document.querySelector('#q-employer').offsetParent,
  page: document.documentElement.scrollWidth,
})"""


def test_a_required_question_under_a_condition_reads_right_on_a_phone(app, client, regions):
    """ "Where do you work?" is required and asked only of people who work, a choice made
    on the same page. Without the script it is shown at once, marked "required if it
    applies"; with it, it appears when "yes" is picked, marked "required". Either way the
    page keeps to a 360 px screen in every language."""
    from tests.webapp.surveys.surveys_support import answer_page, make_survey

    make_survey(app)
    pages = {}
    for language in CONDITIONAL_REQUIRED:
        first = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
        moved = answer_page(client, first, {"region": "KZ-75", "age": "30"}, language=language)
        page = client.get(moved.headers["Location"]).get_data(as_text=True)
        pages[language] = with_inline_styles(client, page)
    script = client.get("/survey-assets/conditions.js").get_data(as_text=True)

    def read(view) -> tuple[dict, dict, dict]:
        without_script = view.evaluate(EMPLOYER)  # the page's own script is not loaded here
        view.add_script_tag(content=script)
        before_yes = view.evaluate(EMPLOYER)
        view.check("#q-employed-0")  # "yes", the first choice
        return without_script, before_yes, view.evaluate(EMPLOYER)

    found = on_a_phone(pages, read)
    for language, (without_script, before_yes, after_yes) in found.items():
        if_it_applies, required = CONDITIONAL_REQUIRED[language]
        assert without_script["shown"], language
        assert if_it_applies in without_script["label"], (language, without_script)
        assert required not in without_script["label"], (language, without_script)
        assert not before_yes["shown"], (language, before_yes)
        assert after_yes["shown"], (language, after_yes)
        assert required in after_yes["label"], (language, after_yes)
        assert if_it_applies not in after_yes["label"], (language, after_yes)
        for state in (without_script, after_yes):
            assert state["page"] <= PHONE_WIDTH, (language, state)
