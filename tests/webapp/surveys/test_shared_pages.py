"""Shared respondent pages: rendered once, never showing one respondent's values to another.

The plain first page and the thank-you page are kept per app with the CSRF token and the
submission id cut out (``webapp/surveys/views/shared_pages.py``). These tests check that each
respondent gets their own values, that a kept page is the page a fresh render would give, and
that it follows the survey's version, note, language and region registry.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD
from tests.webapp.surveys.surveys_support import (
    CSRF,
    SUBMISSION,
    WELLBEING_SURVEY,
    answer_page,
    form_of,
    make_survey,
    stored_responses,
    xlsx_bytes,
)
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.models import Survey
from webapp.surveys.services import authoring
from webapp.surveys.views.shared_pages import PageTemplate, SharedPages

pytestmark = pytest.mark.app_config(WTF_CSRF_ENABLED=True)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def survey_id(app, regions):
    return make_survey(app)


def pages(app) -> SharedPages:
    return app.extensions["survey_shared_pages"]


def values_of(html: str) -> tuple[str, str]:
    return CSRF.search(html).group(1), SUBMISSION.search(html).group(1)


def neutral(html: str, submission: str | None = None) -> str:
    """The page with its CSRF token and submission id blanked (a thank-you page has neither
    a token nor a submission field: give its id)."""
    csrf = CSRF.search(html)
    submission = submission or SUBMISSION.search(html).group(1)
    if csrf is not None:  # a thank-you page has no form to post
        html = html.replace(csrf.group(1), "CSRF")
    return html.replace(submission, "SUBMISSION")


def test_each_respondent_gets_their_own_token_and_submission_id(app, survey_id):
    first, second = app.test_client(), app.test_client()
    page_a = first.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert len(pages(app)) == 1
    page_b = second.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert len(pages(app)) == 1  # the second page came from the one kept
    page_c = first.get("/s/wellbeing?lang=en").get_data(as_text=True)

    csrf_a, submission_a = values_of(page_a)
    csrf_b, submission_b = values_of(page_b)
    _, submission_c = values_of(page_c)
    assert len({submission_a, submission_b, submission_c}) == 3
    assert csrf_a != csrf_b
    assert csrf_a not in page_b and submission_a not in page_b
    assert csrf_b not in page_c and submission_b not in page_c
    # Every occurrence was replaced: the form's address, the hidden fields, the header form.
    assert page_b.count(submission_b) == 2
    assert set(CSRF.findall(page_b)) == {csrf_b}
    assert set(UUID.findall(page_b)) == {submission_b}
    assert neutral(page_a) == neutral(page_b) == neutral(page_c)

    # Each respondent's own values work: CSRF accepted, the answers stored under their id.
    for client, html in ((second, page_b), (first, page_c)):
        response = answer_page(client, html, {"region": "KZ-75", "age": "30"}, language="en")
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        assert form_of(html)["submission_id"] in response.headers["Location"]
    wrong = second.post(
        form_of(page_a)["action"],
        data={"csrf_token": csrf_a, "page": "0", "language": "en", "answer-age": "30"},
    )
    assert wrong.status_code == 400  # another session's token is refused as before


def test_a_kept_page_is_the_page_a_fresh_render_gives(app, survey_id):
    client = app.test_client()
    for language in ("kk", "ru", "en"):
        kept = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
        hit = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
        pages(app).clear()
        fresh = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
        assert neutral(hit) == neutral(fresh) == neutral(kept)
        assert f'lang="{language}"' in hit


def test_pages_differ_by_language_and_address(app, survey_id):
    client = app.test_client()
    russian = client.get("/s/wellbeing?lang=ru").get_data(as_text=True)
    english = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    plain = client.get("/s/wellbeing").get_data(as_text=True)
    assert "Ваш возраст" in russian and "Your age" not in russian
    assert "Your age" in english and "Ваш возраст" not in english
    # The header's language buttons pick the survey's language at the survey's address.
    for html in (russian, plain):
        assert '<form class="language-switcher" method="get" action="/s/wellbeing">' in html
    assert 'name="lang" value="ru" lang="ru"' in russian
    assert len(pages(app)) == 3
    # At the plain address the language comes from the visitor (browser, cookie).
    for header, label in (("ru", "Ваш возраст"), ("en", "Your age"), ("kk", "Жасыңыз")):
        html = app.test_client().get("/s/wellbeing", headers={"Accept-Language": header})
        assert label in html.get_data(as_text=True)
    # Other query arguments are not kept (each would be a page of its own).
    client.get("/s/wellbeing?lang=en&utm=x")
    client.get("/s/wellbeing?lang=xx")
    assert len(pages(app)) == 5


def test_a_new_version_a_new_note_and_registry_changes_show_at_once(app, survey_id):
    client = app.test_client()
    assert "Your age" in client.get("/s/wellbeing?lang=en").get_data(as_text=True)

    survey_rows = [list(row) for row in WELLBEING_SURVEY]
    survey_rows[3][4] = "Your age in years"
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        definition = authoring.read_definition(xlsx_bytes(survey=survey_rows), "v2.xlsx")
        authoring.add_version(survey, definition)
        db.session.commit()
    assert "Your age in years" in client.get("/s/wellbeing?lang=en").get_data(as_text=True)

    with app.app_context():
        db.session.get(Survey, survey_id).note = "Synthetic answers only."
        db.session.commit()
    assert "Synthetic answers only." in client.get("/s/wellbeing?lang=en").get_data(as_text=True)

    with app.app_context():
        db.session.execute(
            sa.update(Region).where(Region.code == "KZ-75").values(name_en="Almaty (renamed)")
        )
        db.session.commit()
    assert "Almaty (renamed)" in client.get("/s/wellbeing?lang=en").get_data(as_text=True)

    with app.app_context():
        authoring.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    assert client.get("/s/wellbeing?lang=en").status_code == 410


def test_signed_in_accounts_invitations_and_councils_are_never_shared(
    app, survey_id, make_user, regions
):
    anonymous = app.test_client()
    anonymous.get("/s/wellbeing?lang=en")
    kept = len(pages(app))

    analyst = make_user("analyst")
    signed_in = app.test_client()
    page = signed_in.get("/sign-in").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = signed_in.post(
        "/sign-in",
        data={"email": analyst.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    html = signed_in.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert analyst.email in html and "Sign out" in html
    assert len(pages(app)) == kept
    after = anonymous.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert analyst.email not in after and "Sign out" not in after

    make_survey(app, slug="invited", audience="invitation")
    with app.app_context():
        survey = authoring.find_survey("invited")
        [token] = authoring.create_invitations(survey, 1)
        db.session.commit()
    invited = anonymous.get(f"/s/invited/i/{token}?lang=en").get_data(as_text=True)
    assert f'name="invitation" value="{token}"' in invited
    assert len(pages(app)) == kept

    make_survey(app, slug="council", audience="council")
    assert anonymous.get("/s/council?lang=en").status_code == 302  # sign-in first
    assert len(pages(app)) == kept


def test_thank_you_pages_are_shared_without_anyone_s_answers(app, survey_id):
    one_page = [
        WELLBEING_SURVEY[0],
        ["begin group", "p", "Бет", "Страница", "Page"],
        ["text", "comment", "Пікір", "Комментарий", "Comment", "yes"],
        ["end group", "p"],
    ]
    make_survey(app, slug="short", data=xlsx_bytes(survey=one_page))
    thanks = []
    for comment in ("first secret", "second secret"):
        client = app.test_client()
        html = client.get("/s/short?lang=en").get_data(as_text=True)
        response = answer_page(client, html, {"comment": comment}, language="en")
        assert response.status_code == 200
        submission = form_of(html)["submission_id"]
        thanks.append((submission, response.get_data(as_text=True)))
        # Reloading the thank-you page gives the same page (from the same kept page).
        again = client.get(form_of(html)["action"]).get_data(as_text=True)
        assert neutral(again, submission) == neutral(thanks[-1][1], submission)
    (first_id, first), (second_id, second) = thanks
    assert "Your answers have been recorded." in first
    assert first_id in first and first_id not in second and second_id in second
    assert "secret" not in first + second
    assert neutral(first, first_id) == neutral(second, second_id)
    pages(app).clear()
    fresh = app.test_client().get(form_of(html)["action"]).get_data(as_text=True)
    assert neutral(fresh, second_id) == neutral(second, second_id)
    assert [row["answers"] for row in stored_responses(app)] == [
        {"comment": "first secret"},
        {"comment": "second secret"},
    ]


def test_page_template_cuts_every_occurrence_and_fills_in_order():
    values = {"csrf": "Token.abc-DEF_0123456789", "submission": "0" * 8 + "-1111-2222"}
    body = "a Token.abc-DEF_0123456789 b 00000000-1111-2222 c Token.abc-DEF_0123456789"
    page = PageTemplate.cut(body, values)
    assert page.slots == ("csrf", "submission", "csrf")
    assert page.fill(values) == body
    assert page.fill({"csrf": "X", "submission": "Y"}) == "a X b Y c X"


def test_shared_pages_keep_the_most_recent_and_refuse_odd_values():
    kept = SharedPages(size=2)
    values = {"csrf": "c" * 20, "submission": "s" * 20}
    renders = []

    def render(text: str):
        def make() -> str:
            renders.append(text)
            return f"{text} {'c' * 20} {'s' * 20}"

        return make

    assert kept.render("a", values, render("a")) == f"a {'c' * 20} {'s' * 20}"
    assert kept.render("a", {"csrf": "d" * 20, "submission": "t" * 20}, render("x")) == (
        f"a {'d' * 20} {'t' * 20}"
    )
    kept.render("b", values, render("b"))
    kept.render("c", values, render("c"))  # "a" goes
    kept.render("a", values, render("a"))
    assert renders == ["a", "b", "c", "a"]
    assert len(kept) == 2
    # A value that escaping or URL quoting could change is never cut out.
    odd = {"csrf": "c" * 20 + "<&>", "submission": "s" * 20}
    assert kept.render("odd", odd, lambda: "fresh") == "fresh"
    assert kept.render("odd", odd, lambda: "again") == "again"
