"""Public councils: management, attributed feedback (never from a form field), summaries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    answer_page,
    count_responses,
    make_survey,
    stored_responses,
)
from webapp.extensions import db
from webapp.surveys import councils
from webapp.surveys.models import Council, CouncilMembership, StateBody
from webapp.surveys.services import SurveyError

PAGE_ONE = {"region": "KZ-71", "age": "45"}
PAGE_TWO = {"employed": "no", "trust": "5"}


@pytest.fixture
def setup(app, regions, make_user):
    """Two councils of one akimat; the member belongs to the first only."""
    member = make_user("council_member")
    outsider = make_user("council_member")
    with app.app_context():
        body = councils.create_state_body(
            councils.Names("Алматы әкімдігі", "Акимат Алматы", "Akimat of Almaty"),
            "local",
            "KZ-75",
        )
        mine = councils.create_council(councils.Names("Кеңес", "Совет", "Council"), body.id)
        other = councils.create_council(councils.Names("Басқа", "Другой", "Other council"), body.id)
        councils.add_member(mine, member.email)
        db.session.commit()
        ids = {"body": body.id, "mine": mine.id, "other": other.id}
    survey_id = make_survey(app, audience="council", state_body_id=ids["body"])
    return {**ids, "member": member, "outsider": outsider, "survey": survey_id}


def test_council_services_refuse_bad_input(app, setup, make_user):
    analyst = make_user("analyst")
    with app.app_context():
        council = db.session.get(Council, setup["mine"])
        with pytest.raises(SurveyError, match="not a public council member"):
            councils.add_member(council, analyst.email)
        with pytest.raises(SurveyError, match="no account"):
            councils.add_member(council, "nobody@example.org")
        with pytest.raises(SurveyError, match="already a member"):
            councils.add_member(council, setup["member"].email)
        with pytest.raises(SurveyError, match="needs a region"):
            councils.create_state_body(councils.Names("a", "b", "c"), "local")
        with pytest.raises(SurveyError, match="Kazakh, Russian and English"):
            councils.create_state_body(councils.Names("", "b", "c"), "republican")
        db.session.rollback()
        assert council.level == "local" and council.region_code == "KZ-75"


def test_anonymous_and_other_roles_cannot_answer_council_forms(
    app, client, setup, make_user, sign_in
):
    response = client.get("/s/wellbeing")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    sign_in(make_user("analyst"))
    assert client.get("/s/wellbeing").status_code == 403


def test_member_of_no_matching_council_is_refused(app, client, setup, sign_in):
    sign_in(setup["outsider"])
    response = client.get("/s/wellbeing?lang=en")
    assert response.status_code == 403
    assert "not a member" in response.get_data(as_text=True)


def test_feedback_is_attributed_to_the_members_council(app, client, setup, sign_in):
    sign_in(setup["member"])
    html = client.get("/s/wellbeing?lang=ru").get_data(as_text=True)
    assert "не является анонимным" in html
    response = answer_page(client, html, PAGE_ONE, language="ru")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    thanks = answer_page(client, page2, PAGE_TWO, language="ru")
    assert thanks.status_code == 200 and "Спасибо" in thanks.get_data(as_text=True)
    [stored] = stored_responses(app)
    assert stored["council_id"] == setup["mine"]
    assert stored["respondent_user_id"] == setup["member"].id
    assert stored["region_code"] == "KZ-75"  # the council's region, not the answered one


def test_forged_council_id_is_refused_and_nothing_stored(app, client, setup, sign_in):
    sign_in(setup["member"])
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, PAGE_ONE, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    forged = answer_page(client, page2, PAGE_TWO, language="en", council_id=str(setup["other"]))
    assert forged.status_code == 403
    assert "council you are a member of" in forged.get_data(as_text=True)
    assert count_responses(app) == 0


def test_staff_manage_bodies_councils_and_members(app, client, regions, make_user, sign_in):
    admin = make_user("admin")
    member = make_user("council_member")
    sign_in(admin)
    assert client.get("/councils/").status_code == 200
    response = client.post(
        "/councils/state-bodies",
        data={
            "body-name_kk": "Министрлік",
            "body-name_ru": "Министерство",
            "body-name_en": "Ministry",
            "body-level": "republican",
            "body-region": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        body_id = db.session.scalar(sa.select(StateBody.id))
    response = client.post(
        "/councils/",
        data={
            "council-name_kk": "Кеңес",
            "council-name_ru": "Совет",
            "council-name_en": "Council",
            "council-state_body": str(body_id),
        },
    )
    assert response.status_code == 302
    council_path = response.headers["Location"]
    bad = client.post(council_path, data={"email": admin.email})
    assert bad.status_code == 422
    client.post("/language", data={"language": "ru"})
    in_russian = client.post(council_path, data={"email": admin.email})
    assert "не учётная запись члена общественного совета" in in_russian.get_data(as_text=True)
    assert client.post(council_path, data={"email": member.email}).status_code == 302
    with app.app_context():
        membership = db.session.scalar(sa.select(CouncilMembership))
        assert membership.user_id == member.id
        council_id = membership.council_id
    removed = client.post(f"/councils/{council_id}/members/{member.id}/remove")
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CouncilMembership)) == 0


def submit_feedback(app, setup, trust: str) -> None:
    submit_feedback_as(app, setup["member"], trust)


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_summaries_show_averages_and_hide_small_groups_from_members(
    app, client, setup, make_user, sign_in
):
    for trust in ("4", "5"):
        submit_feedback(app, setup, trust)
    sign_in(make_user("analyst"))
    page = client.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
    assert "4.50" in page and "Trust" in page
    body_page = client.get(f"/councils/state-bodies/{setup['body']}/summary")
    assert body_page.status_code == 200 and "4.50" in body_page.get_data(as_text=True)

    member_view = app.test_client()
    from tests.conftest import TEST_PASSWORD

    member_view.post("/sign-in", data={"email": setup["member"].email, "password": TEST_PASSWORD})
    withheld = member_view.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
    assert "4.50" not in withheld and "withheld" in withheld
    assert member_view.get(f"/councils/{setup['other']}/summary").status_code == 403
    submit_feedback(app, setup, "3")
    released = member_view.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
    assert "4.00" in released
    home = member_view.get("/council/").get_data(as_text=True)
    assert "/s/wellbeing" in home


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_summary_averages_are_written_the_way_the_page_language_writes_numbers(
    app, client, setup, make_user, sign_in
):
    """A Russian or Kazakh summary read '4.50' where the rest of the site writes '4,50'."""
    for trust in ("4", "5"):
        submit_feedback(app, setup, trust)
    sign_in(make_user("analyst"))
    for language, average in (("ru", "4,50"), ("kk", "4,50"), ("en", "4.50")):
        client.post("/language", data={"language": language})
        page = client.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
        assert f'<td class="number">{average}</td>' in page, language


def test_council_pages_name_the_region_and_show_each_member_once(
    app, client, setup, make_user, sign_in
):
    """Staff read "Almaty" rather than a registry code, and an account without a display
    name is listed by its e-mail once, not as "email (email)"."""
    named = make_user("council_member")
    with app.app_context():
        from webapp.auth.models import User

        db.session.get(User, named.id).display_name = "Aigerim Seitkali"
        councils.add_member(db.session.get(Council, setup["mine"]), named.email)
        db.session.commit()
    sign_in(make_user("admin"))
    council_page = client.get(f"/councils/{setup['mine']}?lang=en").get_data(as_text=True)
    listing = client.get("/councils/").get_data(as_text=True)
    for html in (council_page, listing):
        assert "· Almaty city" in html and "· KZ-75" not in html
    member = setup["member"].email
    assert council_page.count(member) == 1
    assert f"Aigerim Seitkali ({named.email})" in council_page


def submit_feedback_as(app, user, trust: str) -> None:
    from tests.conftest import TEST_PASSWORD

    browser = app.test_client()
    browser.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    html = browser.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(browser, html, PAGE_ONE, language="en")
    page2 = browser.get(response.headers["Location"]).get_data(as_text=True)
    thanks = answer_page(browser, page2, {**PAGE_TWO, "trust": trust}, language="en")
    assert thanks.status_code == 200 and "recorded" in thanks.get_data(as_text=True)


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_state_body_summary_does_not_reveal_a_small_council_by_difference(
    app, client, setup, make_user, sign_in
):
    """A member saw their own council's mean (4.00 over 3) and the state body's (3.25 over 4):
    the other council's one answer (1) followed by subtraction. The body's mean is withheld
    from a member while the councils they are not in hold fewer answers than the threshold."""
    for trust in ("3", "4", "5"):
        submit_feedback(app, setup, trust)
    other_member = make_user("council_member")
    with app.app_context():
        councils.add_member(db.session.get(Council, setup["other"]), other_member.email)
        db.session.commit()
    submit_feedback_as(app, other_member, "1")
    sign_in(setup["member"])
    own = client.get(f"/councils/{setup['mine']}/summary?lang=en").get_data(as_text=True)
    assert '<td class="number">4.00</td>' in own
    body = client.get(f"/councils/state-bodies/{setup['body']}/summary?lang=en")
    html = body.get_data(as_text=True)
    assert body.status_code == 200
    assert "3.25" not in html and "withheld" in html

    analyst = app.test_client()
    from tests.conftest import TEST_PASSWORD

    staff = make_user("analyst")
    analyst.post("/sign-in", data={"email": staff.email, "password": TEST_PASSWORD})
    staff_page = analyst.get(f"/councils/state-bodies/{setup['body']}/summary?lang=en")
    assert '<td class="number">3.25</td>' in staff_page.get_data(as_text=True)

    for trust in ("2", "3"):
        submit_feedback_as(app, other_member, trust)
    released = client.get(f"/councils/state-bodies/{setup['body']}/summary?lang=en")
    assert '<td class="number">3.00</td>' in released.get_data(as_text=True)


def test_staff_create_a_local_council_of_a_republican_body(
    app, client, regions, make_user, sign_in
):
    """The council form offered names and a state body only: a ministry's council in a
    region (level and region of its own, which the service allows) could not be made on the
    page, and every council took its body's level."""
    sign_in(make_user("admin"))
    with app.app_context():
        ministry = councils.create_state_body(
            councils.Names("Министрлік", "Министерство", "Ministry"), "republican"
        )
        db.session.commit()
        ministry_id = ministry.id
    client.post("/language", data={"language": "ru"})
    page = client.get("/councils/").get_data(as_text=True)
    assert 'name="council-level"' in page and 'name="council-region"' in page
    assert "Как у государственного органа" in page
    fields = {
        "council-name_kk": "Қарағанды кеңесі",
        "council-name_ru": "Карагандинский совет",
        "council-name_en": "Karaganda council",
        "council-state_body": str(ministry_id),
    }
    refused = client.post("/councils/", data={**fields, "council-level": "local"})
    assert refused.status_code == 422
    assert "Для местного органа нужно указать регион" in refused.get_data(as_text=True)
    added = client.post(
        "/councils/", data={**fields, "council-level": "local", "council-region": "KZ-35"}
    )
    assert added.status_code == 302
    same = client.post("/councils/", data={**fields, "council-level": "", "council-region": ""})
    assert same.status_code == 302
    with app.app_context():
        made = db.session.scalars(sa.select(Council).order_by(Council.id)).all()
        assert [(c.level, c.region_code) for c in made] == [
            ("local", "KZ-35"),
            ("republican", None),
        ]


def test_my_council_links_to_the_state_body_summary(app, client, setup, sign_in):
    """A member may read their state body's summary, but no page linked to it: only the
    staff's list of councils did."""
    sign_in(setup["member"])
    client.post("/language", data={"language": "kk"})
    home = client.get("/council/").get_data(as_text=True)
    link = f'href="/councils/state-bodies/{setup["body"]}/summary"'
    assert link in home and "Мемлекеттік орган бойынша пікірлер жиынтығы" in home
    assert client.get(f"/councils/state-bodies/{setup['body']}/summary").status_code == 200


def test_rating_scale_is_each_questions_own():
    """The summary's caption said "1 = lowest, 5 = highest" for every question, while a
    range question runs 1 to 10 unless set (here 0 to 10) and a choice list may run 1 to 7."""
    from webapp.surveys.definition import SurveyDefinition

    def question(name, type_, **extra):
        return {"name": name, "type": type_, "label": {"en": name}, **extra}

    definition = SurveyDefinition.from_dict(
        {
            "form_id": "scales",
            "title": {"en": "Scales"},
            "languages": ["en"],
            "default_language": "en",
            "pages": [
                {
                    "name": "p",
                    "label": {},
                    "relevant": None,
                    "questions": [
                        question("plain", "range"),
                        question("zero", "range", parameters={"start": "0", "end": "10"}),
                        question(
                            "down", "range", parameters={"start": "5", "end": "1", "step": "-1"}
                        ),
                        question("seven", "select_one", choice_list="seven"),
                    ],
                }
            ],
            "choice_lists": {
                "seven": [{"name": str(n), "label": {"en": str(n)}} for n in range(1, 8)]
            },
        }
    )
    assert councils.likert_questions(definition) == ["plain", "zero", "down", "seven"]
    scales = [
        councils.rating_scale(definition, name) for name in ("plain", "zero", "down", "seven")
    ]
    assert scales == [(1, 10), (0, 10), (1, 5), (1, 7)]


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_summary_names_each_questions_scale(app, client, setup, make_user, sign_in):
    for trust in ("4", "5"):
        submit_feedback(app, setup, trust)
    sign_in(make_user("analyst"))
    page = client.get(f"/councils/{setup['mine']}/summary?lang=en").get_data(as_text=True)
    assert "1 = lowest, 5 = highest" not in page
    assert '<td>Trust<br><span class="hint">Scale: 1–5</span></td>' in page


def _average_cells_right_edge(html: str) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        try:
            view = browser.new_page(viewport={"width": 360, "height": 740})
            view.set_content(html)
            return view.evaluate(
                "() => [...document.querySelectorAll('table')][0].querySelectorAll"
                "('tbody tr td:last-child').length ? [...[...document.querySelectorAll"
                "('table')][0].querySelectorAll('tbody tr td:last-child')].map("
                "cell => cell.getBoundingClientRect().right) : []"
            )
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.any_database  # page layout: the same on either database
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="headless Chromium not found")
@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_summary_averages_are_on_a_phone_screen(app, client, setup, make_user, sign_in):
    """A scale column of its own pushed the averages, the figures the table is for, past a
    360 px screen's edge (inside the scrolling table): the scale is under the question."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.webapp.test_narrow_screens import with_inline_styles

    for trust in ("4", "5"):
        submit_feedback(app, setup, trust)
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": "ru"})
    html = with_inline_styles(
        client, client.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
    )
    assert "4,50" in html and "1–5" in html
    # The demo council form's questions are longer than "Доверие" and need the width.
    html = html.replace(
        "<td>Доверие",
        "<td>Насколько оперативно орган отвечает на запросы и предложения совета?",
    )
    assert "<td>Насколько оперативно" in html
    with ThreadPoolExecutor(max_workers=1) as executor:
        edges = executor.submit(_average_cells_right_edge, html).result()
    assert edges and max(edges) <= 360, edges


@pytest.mark.browser
@pytest.mark.any_database  # page layout: the same on either database
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="headless Chromium not found")
def test_the_council_picker_shows_a_long_council_name_whole_on_a_phone(app, client, setup, sign_in):
    """A member of two councils picks the one they answer for; council names share a long
    start, and at 360 px the select read "Общественный совет при управле…" for both."""
    from tests.webapp.review.test_review_phone import MEASURE as SELECTS
    from tests.webapp.test_narrow_screens import measure, with_inline_styles

    long_names = {
        "mine": "Общественный совет при управлении занятости и социальных программ города Алматы",
        "other": "Общественный совет при управлении образования города Алматы",
    }
    with app.app_context():
        for key, name in long_names.items():
            db.session.get(Council, setup[key]).name_ru = name
        councils.add_member(db.session.get(Council, setup["other"]), setup["member"].email)
        db.session.commit()
    sign_in(setup["member"])
    client.post("/language", data={"language": "ru"})
    page = client.get("/s/wellbeing?lang=ru").get_data(as_text=True)
    assert 'id="council_id"' in page and long_names["mine"] in page
    selects = measure({"page": with_inline_styles(client, page)}, SELECTS)["page"]
    picker = [select for select in selects if select["id"] == "council_id"]
    assert picker, selects
    for select in selects:
        assert select["right"] <= 360, select
        assert select["shown"] >= select["needed"] - 0.5, select


def store_feedback(app, survey_id: int, council_id: int, answers: dict, version_id=None) -> None:
    """A stored council response (the respondent pages are tested above)."""
    import uuid

    from webapp.surveys.models import Survey, SurveyResponse

    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        db.session.add(
            SurveyResponse(
                survey_id=survey_id,
                survey_version_id=version_id or survey.current_version_id,
                submission_id=str(uuid.uuid4()),
                content_hash="0" * 64,
                language="en",
                council_id=council_id,
                answers=answers,
            )
        )
        db.session.commit()


def services_form(scale: int, label: str = "Quality of services") -> bytes:
    """Another council form whose rating question is also named "trust"."""
    from tests.webapp.surveys.surveys_support import LABELS, xlsx_bytes

    return xlsx_bytes(
        survey=[
            ["type", "name", *LABELS, "required"],
            ["select_one scale", "trust", "Қызмет сапасы", "Качество услуг", label, "yes"],
        ],
        choices=[
            ["list_name", "name", *LABELS],
            *[["scale", str(n), str(n), str(n), str(n)] for n in range(1, scale + 1)],
        ],
        settings=[
            [
                "form_id",
                "form_title::Kazakh (kk)",
                "form_title::Russian (ru)",
                "form_title::English (en)",
            ],
            ["services", "Қызметтер", "Услуги", "Services"],
        ],
    )


def test_summary_pools_a_rating_within_its_own_form_and_scale(
    app, client, setup, make_user, sign_in
):
    """Two feedback forms both asking a question named "trust" (Wellbeing's 1–5 trust,
    Services' 1–10 quality) were averaged as one question under one form's wording and
    scale: 4, 5 and 9, 10, 8, 7, 2 read as one average of 6.43. A council member expects each
    form's question on its own; within a form, versions pool while the scale stays."""
    from webapp.surveys.services import authoring

    services = make_survey(
        app,
        audience="council",
        slug="services",
        data=services_form(10),
        state_body_id=setup["body"],
    )
    for trust in ("4", "5"):
        store_feedback(app, setup["survey"], setup["mine"], {"trust": trust})
    for trust in ("9", "10", "8"):
        store_feedback(app, services, setup["mine"], {"trust": trust})
    with app.app_context():
        from webapp.surveys.models import Survey

        survey = db.session.get(Survey, services)
        first_version = survey.current_version_id
        authoring.add_version(survey, authoring.read_definition(services_form(5), "services.xlsx"))
        db.session.commit()
    store_feedback(app, services, setup["mine"], {"trust": "2"})
    store_feedback(app, services, setup["mine"], {"trust": "7"}, version_id=first_version)
    sign_in(make_user("analyst"))
    page = client.get(f"/councils/{setup['mine']}/summary?lang=en").get_data(as_text=True)
    assert "Average ratings: Wellbeing" in page and "Average ratings: Services" in page
    assert "Scale: 1–10 (earlier versions of the form)" in page
    assert '<td class="number">8.50</td>' in page and '<td class="number">4.50</td>' in page
    with app.app_context():
        summary = councils.feedback_summary(
            council_ids=[setup["mine"]], language="en", threshold=None
        )
        found = {
            (form.title, average.label, average.scale): (average.count, average.mean)
            for form in summary.forms
            for average in form.averages
        }
    assert found == {
        ("Wellbeing", "Trust", (1, 5)): (2, 4.5),
        ("Services", "Quality of services", (1, 5)): (1, 2.0),
        ("Services", "Quality of services", (1, 10)): (4, 8.5),
    }


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
@pytest.mark.parametrize(
    ("language", "hidden", "note"),
    [
        ("en", "hidden: fewer than 3", "rest on fewer than 3 answers"),
        ("ru", "скрыто: меньше 3", "основаны менее чем на 3 ответах"),
        ("kk", "жасырылған: 3-ден аз", "3-ден аз жауапқа негізделсе"),
    ],
)
def test_a_member_reads_small_counts_as_hidden_not_as_figures(
    app, client, setup, sign_in, language, hidden, note
):
    """Under the threshold a member read "Responses 2" beside "too few responses", and "–"
    for the answers of a withheld average: a count below k was shown, and a hidden one read
    as none. Both read as hidden because fewer than k, as the results pages say it."""
    for trust in ("4", "5"):
        store_feedback(app, setup["survey"], setup["mine"], {"trust": trust})
    sign_in(setup["member"])
    client.post("/language", data={"language": language})
    page = client.get(f"/councils/{setup['mine']}/summary").get_data(as_text=True)
    responses = re.search(r"<dd>(.*?)</dd>", page, re.S).group(1)
    assert hidden in responses and "2" not in responses.replace(hidden, ""), responses
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r'<td class="number">(.*?)</td>', row, re.S)
    assert "2" not in cells[0] and "–" not in cells[0] and "suppressed" in cells[0], cells
    assert note in page


def test_council_pages_word_a_councils_level_and_region_alike(
    app, client, regions, make_user, sign_in
):
    """A ministry's council in Karaganda region (local, region of its own) read "Local ·
    Karaganda Region" on its staff page only: My council, its summary and the staff list
    gave the (republican) ministry alone, as for the ministry's republican council."""
    member = make_user("council_member")
    with app.app_context():
        ministry = councils.create_state_body(
            councils.Names("Министрлік", "Министерство", "Ministry"), "republican"
        )
        local = councils.create_council(
            councils.Names("Қарағанды кеңесі", "Карагандинский совет", "Karaganda council"),
            ministry.id,
            level="local",
            region_code="KZ-35",
        )
        national = councils.create_council(
            councils.Names("Ұлттық кеңес", "Национальный совет", "National council"), ministry.id
        )
        for council in (local, national):
            councils.add_member(council, member.email)
        db.session.commit()
        ids = {"ministry": ministry.id, "local": local.id, "national": national.id}

    def item(html: str, name: str) -> str:
        start = html.index(name)
        return html[start : html.index("</li>", start)]

    sign_in(member)
    client.post("/language", data={"language": "ru"})
    mine = client.get("/council/").get_data(as_text=True)
    assert "Министерство · Местный · Карагандинская область" in item(mine, "Карагандинский совет")
    assert "Министерство · Республиканский" in item(mine, "Национальный совет")
    local_summary = client.get(f"/councils/{ids['local']}/summary").get_data(as_text=True)
    assert "<p>Министерство · Местный · Карагандинская область</p>" in local_summary
    national_summary = client.get(f"/councils/{ids['national']}/summary").get_data(as_text=True)
    assert "<p>Министерство · Республиканский</p>" in national_summary
    body_summary = client.get(f"/councils/state-bodies/{ids['ministry']}/summary")
    assert "<p>Республиканский</p>" in body_summary.get_data(as_text=True)

    client.post("/sign-out")
    sign_in(make_user("admin"))
    client.post("/language", data={"language": "ru"})
    listing = client.get("/councils/").get_data(as_text=True)
    assert "· Местный · Карагандинская область" in item(listing, "Карагандинский совет")
    assert "Местный" not in item(listing, "Национальный совет")
    page = client.get(f"/councils/{ids['local']}").get_data(as_text=True)
    assert "<p>Министерство · Местный · Карагандинская область</p>" in page


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=3)
def test_a_small_councils_dates_and_count_stay_hidden_on_the_state_body_summary(
    app, client, setup, make_user, sign_in
):
    """A member reading their state body's summary saw the other council's single response:
    its date as the body's "latest feedback", a row naming that council in the latest
    responses, and its count as the body's 4 less their own council's 3. A council's
    responses are listed once it holds k, as on its own summary, and the body's count is
    hidden while the councils the member is not in hold fewer than k."""
    import datetime as dt

    from webapp.surveys.models import SurveyResponse

    for trust in ("3", "4", "5"):
        store_feedback(app, setup["survey"], setup["mine"], {"trust": trust})
    store_feedback(app, setup["survey"], setup["other"], {"trust": "1"})
    with app.app_context():
        rows = db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)).all()
        for day, row in zip((3, 4, 5, 20), rows, strict=True):
            row.submitted_at = dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC)
        db.session.commit()
    sign_in(setup["member"])
    body = client.get(f"/councils/state-bodies/{setup['body']}/summary?lang=en")
    html = body.get_data(as_text=True)
    assert body.status_code == 200
    latest = re.search(r"Latest feedback</dt><dd>(.*?)</dd>", html, re.S).group(1)
    # in the platform's zone, which the reader is told (09:00 UTC is 14:00 in Almaty)
    assert "3/5/26, 2:00" in latest and "(Almaty time, UTC+5)" in latest, latest
    assert "Mar 20" not in html and "3/20/26" not in html
    assert "Other council" not in html
    responses = re.search(r"Responses</dt><dd>(.*?)</dd>", html, re.S).group(1)
    assert "4" not in responses and "hidden" in responses, responses
    assert "not listed" in html
    own = client.get(f"/councils/{setup['mine']}/summary?lang=en").get_data(as_text=True)
    assert re.search(r"Responses</dt><dd>3</dd>", own)

    client.post("/sign-out")
    sign_in(make_user("analyst"))
    exact = client.get(f"/councils/state-bodies/{setup['body']}/summary?lang=en")
    exact_html = exact.get_data(as_text=True)
    assert re.search(r"Responses</dt><dd>4</dd>", exact_html)
    assert "Mar 20, 2026" in exact_html and "Other council" in exact_html


def test_a_member_of_a_council_without_feedback_reads_none_not_hidden(app, client, setup, sign_in):
    """No response describes nobody: a council that has not answered yet read "hidden:
    fewer than 10" and "too few responses" to its member, as if answers were kept back."""
    sign_in(setup["member"])
    page = client.get(f"/councils/{setup['mine']}/summary?lang=en").get_data(as_text=True)
    assert re.search(r"Responses</dt><dd>0</dd>", page)
    assert re.search(r"Latest feedback</dt><dd>–</dd>", page)
    assert "hidden:" not in page and "Too few responses" not in page


def test_my_council_lists_only_forms_that_take_feedback_now(app, client, setup, sign_in):
    """A council form whose closing date had passed (still "open", dated) was listed under
    Feedback forms on My council, and its link led to "this survey is closed"; so was a form
    whose opening date was still to come."""
    import datetime as dt

    from webapp.surveys.models import Survey

    now = dt.datetime.now(dt.UTC)
    later = make_survey(app, audience="council", slug="later", state_body_id=setup["body"])
    with app.app_context():
        db.session.get(Survey, setup["survey"]).closes_at = now - dt.timedelta(days=1)
        db.session.get(Survey, later).opens_at = now + dt.timedelta(days=3)
        db.session.commit()
    sign_in(setup["member"])
    assert "closed" in client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    home = client.get("/council/?lang=en").get_data(as_text=True)
    assert 'href="/s/wellbeing"' not in home and 'href="/s/later"' not in home
    assert "No feedback form is open at the moment." in home
    with app.app_context():
        db.session.get(Survey, setup["survey"]).closes_at = now + dt.timedelta(days=1)
        db.session.commit()
    assert 'href="/s/wellbeing"' in client.get("/council/?lang=en").get_data(as_text=True)


def test_the_command_line_adds_and_lists_a_councils_own_level_and_region(app, regions, make_user):
    """`flask surveys councils add` took names and a state body only: a ministry's council in
    Karaganda region, which the Public councils page makes, could not be added from the
    command line, and `councils list` named no council's level or region."""
    runner = app.test_cli_runner()
    council_cli = ["surveys", "councils"]
    ministry = ["--kk", "М", "--ru", "М", "--en", "Ministry", "--level", "republican"]
    body = runner.invoke(args=[*council_cli, "add-body", *ministry])
    body_id = body.output.strip().split("=")[1]
    add = [*council_cli, "add", "--body", body_id]
    names = ["--kk", "Қарағанды", "--ru", "Караганда", "--en", "Karaganda council"]
    refused = runner.invoke(args=[*add, *names, "--level", "local"])
    assert refused.exit_code != 0 and "needs a region" in refused.output
    added = runner.invoke(args=[*add, *names, "--level", "local", "--region", "KZ-35"])
    assert added.exit_code == 0, added.output
    same = runner.invoke(args=[*add, "--kk", "Ұ", "--ru", "Н", "--en", "National council"])
    assert same.exit_code == 0, same.output
    listing = runner.invoke(args=["surveys", "councils", "list"]).output
    assert "\tlocal\tKZ-35\tKaraganda council\t0 member(s)" in listing, listing
    assert "\trepublican\t-\tNational council\t0 member(s)" in listing, listing
