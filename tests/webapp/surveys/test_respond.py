"""The respondent's pages: every page in Kazakh, skip logic, errors, language and region."""

from __future__ import annotations

import re

import pytest

from tests.webapp.surveys.surveys_support import (
    answer_page,
    count_responses,
    form_of,
    make_survey,
    stored_responses,
)


@pytest.fixture
def survey_id(app, regions):
    return make_survey(app)


def test_full_flow_in_kazakh_with_skip_logic_and_errors(app, client, survey_id):
    first = client.get("/s/wellbeing?lang=kk")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert 'lang="kk"' in html
    assert "Әл-ауқат" in html and "Сіз туралы" in html
    assert "1 / 2" in html or "2-ден 1" in html or "<progress" in html
    assert "Алматы" in html  # region choices from the registry, named in Kazakh

    # Page 1 with an out-of-range age and no region: both errors, summary links to fields.
    response = answer_page(client, html, {"age": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'href="#q-region-0"' in page and 'href="#q-age"' in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="q-age-error"' in page
    assert count_responses(app) == 0

    response = answer_page(client, page, {"region": "KZ-75", "age": "34"})
    assert response.status_code == 303
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Жұмыс" in page2
    assert 'value="back"' in page2
    # The employer question depends on an answer on the same page, so without JavaScript
    # it is shown with a note; the server drops its answer when "no" is chosen.
    assert 'name="answer-employer"' in page2
    assert "conditional-hint" in page2
    assert 'data-show-if="answer-employed" data-show-value="yes"' in page2
    # The post that stores the response answers with the thank-you page itself.
    thanks = answer_page(client, page2, {"employed": "no", "employer": "Secret Ltd", "trust": "4"})
    assert thanks.status_code == 200
    assert "Рақмет" in thanks.get_data(as_text=True)
    assert 'lang="kk"' in thanks.get_data(as_text=True)

    [stored] = stored_responses(app)
    assert stored["answers"] == {"region": "KZ-75", "age": 34, "employed": "no", "trust": "4"}
    assert stored["language"] == "kk"
    assert stored["region_code"] == "KZ-75"
    assert stored["respondent_user_id"] is None


def test_visible_question_required_only_when_shown(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(client, html, {"region": "KZ-71", "age": "40"}, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    response = answer_page(client, page2, {"employed": "yes", "trust": "2"}, language="en")
    assert response.status_code == 422
    assert "This question requires an answer." in response.get_data(as_text=True)
    response = answer_page(
        client,
        response.get_data(as_text=True),
        {"employed": "yes", "employer": "Akimat", "trust": "2", "topics": ["roads", "jobs"]},
        language="en",
    )
    assert response.status_code == 200
    assert "Your answers have been recorded." in response.get_data(as_text=True)
    [stored] = stored_responses(app)
    assert stored["answers"]["employer"] == "Akimat"
    assert stored["answers"]["topics"] == ["roads", "jobs"]
    assert stored["language"] == "en"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"region": "KZ-75", "age": "forty"}, "Бүтін сан"),
        ({"region": "XX-99", "age": "40"}, "Ұсынылған"),
        ({"region": "KZ-75", "age": "400"}, "жарамсыз"),
    ],
)
def test_wrong_type_unknown_choice_and_constraint_are_refused(
    app, client, survey_id, answers, message
):
    html = client.get("/s/wellbeing?lang=kk").get_data(as_text=True)
    response = answer_page(client, html, answers)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_responses(app) == 0


def test_back_keeps_answers_and_language_choice_is_stored(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=ru").get_data(as_text=True)
    assert "Благополучие" in html
    response = answer_page(client, html, {"region": "KZ-75", "age": "30"}, language="ru")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Назад" in page2
    back = answer_page(client, page2, {"employed": "yes"}, action="back", language="ru")
    page1 = client.get(back.headers["Location"]).get_data(as_text=True)
    assert 'value="30"' in page1
    assert "1" in form_of(page1)["page"] or form_of(page1)["page"] == "0"
    response = answer_page(client, page1, {"region": "KZ-75", "age": "31"}, language="ru")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="yes"\n                 checked' in page2 or "checked" in page2
    answer_page(
        client, page2, {"employed": "yes", "employer": "Школа", "trust": "5"}, language="ru"
    )
    [stored] = stored_responses(app)
    assert stored["language"] == "ru"
    assert stored["answers"]["age"] == 31


def test_survey_bound_to_a_region_ties_every_response(app, client, regions):
    from tests.webapp.surveys.surveys_support import (
        WELLBEING_CHOICES,
        WELLBEING_SURVEY,
        xlsx_bytes,
    )

    survey = [row for row in WELLBEING_SURVEY if row[1] != "region"]
    settings = [["form_id", "form_title", "region"], ["bound", "Bound", "KZ-71"]]
    make_survey(app, slug="bound", data=xlsx_bytes(survey, WELLBEING_CHOICES, settings))
    html = client.get("/s/bound").get_data(as_text=True)
    response = answer_page(client, html, {"age": "50"}, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    answer_page(client, page2, {"employed": "no", "trust": "3"}, language="en")
    [stored] = stored_responses(app)
    assert stored["region_code"] == "KZ-71"


def test_page_is_usable_without_javascript_and_accessible(client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.DOTALL)
    assert scripts == [""]  # one local file for comfort, no inline code
    assert "/survey-assets/conditions.js" in html
    assert client.get("/survey-assets/conditions.js").status_code == 200
    assert 'for="q-age"' in html and 'for="q-region"' in html  # 20 regions: a select
    assert "<progress" in html and "Page 1 of 2" in html
    assert 'name="csrf_token"' in html
    assert 'class="survey-trap"' in html and "Leave this field empty" in html
    assert "style=" not in html
    response = answer_page(client, html, {"region": "KZ-75", "age": "30"}, language="en")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<fieldset" in page2 and "<legend>" in page2  # choice groups
    assert "Page 2 of 2" in page2 and 'value="back"' in page2


def test_save_and_continue_later(app, client, survey_id):
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    response = answer_page(
        client, html, {"region": "KZ-75", "age": "29"}, action="save", language="en"
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    sid = form_of(html)["submission_id"]
    assert f"/s/wellbeing/r/{sid}" in text
    # A new browser (another device) continues from the link.
    other = app.test_client()
    resumed = other.get(f"/s/wellbeing/r/{sid}").get_data(as_text=True)
    assert 'value="29"' in resumed
    assert count_responses(app) == 0


def test_one_page_survey_is_stored_by_its_first_post(app, client, regions):
    from tests.webapp.surveys.surveys_support import (
        WELLBEING_CHOICES,
        WELLBEING_SETTINGS,
        WELLBEING_SURVEY,
        xlsx_bytes,
    )

    make_survey(
        app,
        slug="short",
        data=xlsx_bytes(WELLBEING_SURVEY[:5], WELLBEING_CHOICES, WELLBEING_SETTINGS),
    )
    html = client.get("/s/short?lang=en").get_data(as_text=True)
    assert "Submit" in html and "Page 1 of 1" in html
    first = answer_page(client, html, {"region": "KZ-75", "age": "22"}, language="en")
    again = answer_page(client, html, {"region": "KZ-75", "age": "22"}, language="en")
    assert first.status_code == again.status_code == 200
    for response in (first, again):
        assert "Your answers have been recorded." in response.get_data(as_text=True)
    assert count_responses(app) == 1


def test_only_units_valid_today_are_offered_and_accepted(app, client, survey_id):
    import datetime as dt

    import sqlalchemy as sa

    from webapp.database import utcnow
    from webapp.extensions import db
    from webapp.regions.models import Region
    from webapp.times import platform_today

    with app.app_context():
        # The platform's date (Almaty), as the respondent pages read it: from 19:00 UTC the
        # machine's date is still yesterday there, and this test failed every evening.
        today = platform_today(utcnow())
        changes = {
            "KZ-71": {"valid_to": today},  # ends today: still a unit today
            "KZ-75": {"valid_from": today + dt.timedelta(days=1)},  # not yet
            "KZ-79": {"valid_to": today - dt.timedelta(days=1)},  # no longer
        }
        for code, values in changes.items():
            db.session.execute(sa.update(Region).where(Region.code == code).values(**values))
        db.session.commit()
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(KZ-[A-Z0-9]+)"', html))
    assert "KZ-71" in offered and "KZ-11" in offered
    assert not offered & {"KZ-75", "KZ-79", "KZ-YUZ"}  # South Kazakhstan ended in 2018
    refused = answer_page(client, html, {"region": "KZ-75", "age": "30"}, language="en")
    assert refused.status_code == 422
    accepted = answer_page(client, html, {"region": "KZ-71", "age": "30"}, language="en")
    assert accepted.status_code == 303


def test_labels_show_earlier_answers_as_the_respondent_saw_them(app, client, regions):
    """A label reading "You are ${age}" shows the answer; a choice shows its label."""
    from tests.webapp.surveys.surveys_support import (
        HEADER,
        WELLBEING_CHOICES,
        WELLBEING_SETTINGS,
        xlsx_bytes,
    )

    survey = [
        HEADER,
        ["begin group", "about", "Сіз туралы", "О вас", "About you"],
        ["select_one region", "region", "Өңір", "Регион", "Region", "yes"],
        ["integer", "age", "Жасыңыз", "Ваш возраст", "Your age", "yes"],
        ["select_one yesno", "employed", "Жұмыс?", "Работаете?", "Do you work?", "yes"],
        ["end group", "about"],
        ["begin group", "check", "${region}", "${region}", "In ${region}"],
        ["note", "echo", "${age} жас", "Вам ${age}", "You are ${age}; work: ${employed}"],
        ["text", "why", "Неге?", "Почему?", "Why ${missing} 1 < 2 & ${nothing}?"],
        ["end group", "check"],
    ]
    data = xlsx_bytes(survey, WELLBEING_CHOICES, WELLBEING_SETTINGS)
    make_survey(app, slug="piped", data=data)
    first = client.get("/s/piped?lang=en").get_data(as_text=True)
    answers = {"region": "KZ-75", "age": "37", "employed": "yes"}
    response = answer_page(client, first, answers, language="en")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are 37; work: Yes" in page
    assert "In Almaty" in page  # the region's name from the registry, not its code
    # Names that are no question stay as written, and the label is still escaped. (HTML tags
    # in labels are taken out at import: test_xlsform_real_world.py.)
    assert "Why ${missing} 1 &lt; 2 &amp; ${nothing}?" in page


def test_language_changed_on_a_later_page_holds_to_the_end(app, client, survey_id):
    """The header's language buttons on a question page switch the survey's language (not
    only the interface's, which the page ignores), and the switch outlives the next post."""
    first = client.get("/s/wellbeing?lang=kk").get_data(as_text=True)
    response = answer_page(client, first, {"region": "KZ-75", "age": "30"}, language="kk")
    address = response.headers["Location"]
    page2 = client.get(address).get_data(as_text=True)
    header = page2[page2.index("<header") : page2.index("</header>")]
    assert f'<form class="language-switcher" method="get" action="{address}">' in header
    assert 'name="lang" value="ru"' in header
    assert "/language" not in header  # the interface switcher would change nothing here

    page2_ru = client.get(f"{address}?lang=ru").get_data(as_text=True)
    assert "Работа" in page2_ru and 'name="language" value="ru"' in page2_ru
    thanks = answer_page(client, page2_ru, {"employed": "no", "trust": "3"}, language="ru")
    assert thanks.status_code == 200
    assert "Спасибо" in thanks.get_data(as_text=True)
    [stored] = stored_responses(app)
    assert stored["language"] == "ru"


def test_language_changed_on_a_later_page_shows_the_next_page_in_it(app, client, survey_id):
    first = client.get("/s/wellbeing?lang=kk").get_data(as_text=True)
    response = answer_page(client, first, {"region": "KZ-75", "age": "30"}, language="kk")
    page2_en = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    back = answer_page(client, page2_en, {"employed": "yes"}, action="back", language="en")
    page1 = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "About you" in page1 and 'name="language" value="en"' in page1


def test_error_summary_reads_as_a_sentence_after_a_question_mark(app, client, regions):
    """The summary read "Do you work?: This question requires...": a label ending in its
    own punctuation is now followed by a space, other labels by a colon."""
    from tests.webapp.surveys.surveys_support import (
        HEADER,
        WELLBEING_CHOICES,
        WELLBEING_SETTINGS,
        xlsx_bytes,
    )

    survey = [
        HEADER,
        ["begin group", "about", "Сіз туралы", "О вас", "About you"],
        ["select_one yesno", "employed", "Жұмыс?", "Работаете?", "Do you work?", "yes"],
        ["integer", "age", "Жасыңыз", "Ваш возраст", "Your age", "yes"],
        ["end group", "about"],
    ]
    make_survey(app, slug="asks", data=xlsx_bytes(survey, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    html = client.get("/s/asks?lang=en").get_data(as_text=True)
    page = answer_page(client, html, {}, language="en").get_data(as_text=True)
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert "Do you work? This question requires an answer." in summary
    assert "Your age: This question requires an answer." in summary
    assert "?:" not in summary


def header_of(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


def test_language_buttons_on_the_thank_you_page_switch_the_survey_language(app, client, survey_id):
    """They were the interface's buttons, which this page (in the survey's language)
    ignored; now they show it again in the language picked."""
    first = client.get("/s/wellbeing?lang=kk").get_data(as_text=True)
    address = form_of(first)["action"]
    response = answer_page(client, first, {"region": "KZ-75", "age": "30"}, language="kk")
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    thanks = answer_page(client, page2, {"employed": "no", "trust": "3"}, language="kk")
    header = header_of(thanks.get_data(as_text=True))
    assert f'<form class="language-switcher" method="get" action="{address}">' in header
    assert 'name="lang" value="ru"' in header and "/language" not in header
    russian = client.get(f"{address}?lang=ru").get_data(as_text=True)
    assert "Спасибо" in russian and '<html lang="ru">' in russian
    assert 'aria-current="true" class="current">Русский' in header_of(russian)
    other = app.test_client().get(f"{address}?lang=en").get_data(as_text=True)
    assert "Your answers have been recorded." in other
    assert "Рақмет" in client.get(address).get_data(as_text=True)  # the answered language
    [stored] = stored_responses(app)
    assert stored["language"] == "kk"  # the switch changes the page, not the response


def test_language_buttons_on_the_saved_page_switch_the_survey_language(app, client, survey_id):
    first = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    address = form_of(first)["action"]
    saved = answer_page(
        client, first, {"region": "KZ-75", "age": "29"}, action="save", language="en"
    ).get_data(as_text=True)
    header = header_of(saved)
    assert f'<form class="language-switcher" method="get" action="{address}">' in header
    assert '<input type="hidden" name="saved" value="1">' in header
    assert 'name="lang" value="kk"' in header and "/language" not in header
    kazakh = client.get(f"{address}?saved=1&lang=kk").get_data(as_text=True)
    assert "Жауаптарыңыз сақталды" in kazakh and "Your answers are saved" not in kazakh
    assert f"http://localhost{address}</a>" in kazakh  # the link to keep stays plain
    assert f'href="http://localhost{address}?lang=kk"' in kazakh  # "continue now" in Kazakh
    resumed = client.get(f"{address}?lang=kk").get_data(as_text=True)
    assert "Сіз туралы" in resumed and 'value="29"' in resumed
    stranger = app.test_client().get(f"/s/wellbeing/r/{'0' * 8}-0000-4000-8000-{'0' * 12}")
    assert stranger.status_code == 302  # no draft: no saved page either


def test_a_language_in_the_link_wins_and_an_unknown_one_falls_back_to_the_browsers(
    client, survey_id
):
    """The first page skips the interface language when the link names a survey language."""
    russian = {"Accept-Language": "ru"}
    for address, language in (
        ("/s/wellbeing?lang=kk", "kk"),
        ("/s/wellbeing?lang=de", "ru"),  # not a language of the survey
        ("/s/wellbeing", "ru"),
    ):
        html = client.get(address, headers=russian).get_data(as_text=True)
        assert f'lang="{language}"' in html, address


def test_a_renamed_unit_is_offered_under_its_new_name_at_the_next_request(app, client, survey_id):
    """Region choices are made once per set of registry rows: a change makes new ones."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.regions.models import Region

    assert ">Almaty city<" in client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            sa.update(Region).where(Region.code == "KZ-75").values(name_en="City of Almaty")
        )
        db.session.commit()
    html = client.get("/s/wellbeing?lang=en").get_data(as_text=True)
    assert ">City of Almaty<" in html and ">Almaty city<" not in html
    refused = answer_page(client, html, {"region": "KZ-75", "age": "30"}, language="en")
    assert refused.status_code == 303  # the unit is still accepted under its code


def test_page_count_follows_the_pages_skip_logic_shows(app_context, regions):
    """'Page N of M' counts the pages the answers so far make relevant (as Enketo's progress
    does): answering 'no' to working drops the employer page from M."""
    from tests.webapp.surveys.surveys_support import LABELS, WELLBEING_CHOICES, xlsx_bytes
    from webapp.surveys.services.responding import page_view
    from webapp.surveys.xlsform import import_xlsform

    survey = [
        ["type", "name", *LABELS, "required", "relevant"],
        ["begin group", "p1", "1", "1", "1"],
        ["select_one yesno", "employed", "Ж", "Р", "Work?", "yes"],
        ["end group", "p1"],
        ["begin group", "p2", "2", "2", "2", None, "${employed} = 'yes'"],
        ["text", "employer", "Қайда", "Где", "Where?"],
        ["end group", "p2"],
        ["begin group", "p3", "3", "3", "3"],
        ["select_one rating5", "trust", "С", "Д", "Trust"],
        ["end group", "p3"],
    ]
    definition = import_xlsform(xlsx_bytes(survey, WELLBEING_CHOICES))
    working = page_view(definition, 2, {"employed": "yes"}, "en")
    not_working = page_view(definition, 2, {"employed": "no"}, "en")
    assert (working.number, working.total) == (3, 3)
    assert (not_working.number, not_working.total) == (2, 2) and not_working.is_last


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1).strip()


def test_each_page_has_its_own_title_and_a_refused_page_says_error_first(app, client, survey_id):
    """Every page of a survey was titled by the survey alone: a screen reader, which reads
    the title first, and the browser's history could not tell the pages, nor a refused
    page from the page first shown (GOV.UK's pattern: "Error: " before the title)."""
    first = client.get("/s/wellbeing?lang=kk").get_data(as_text=True)
    assert title_of(first).startswith("Сіз туралы · 2 беттің 1-беті · Әл-ауқат")
    refused = answer_page(client, first, {"age": "12"}).get_data(as_text=True)
    assert title_of(refused).startswith("Қате: Сіз туралы · 2 беттің 1-беті · Әл-ауқат")
    response = answer_page(client, refused, {"region": "KZ-75", "age": "34"})
    second = client.get(response.headers["Location"]).get_data(as_text=True)
    assert title_of(second).startswith("Жұмыс · 2 беттің 2-беті · Әл-ауқат")


EMPLOYER_LABEL = re.compile(r'<label for="q-employer">(.*?)</label>', re.DOTALL)
VISIBLE = re.compile(r"<span[^>]*\bhidden\b[^>]*>.*?</span>", re.DOTALL)


@pytest.mark.parametrize(
    ("language", "if_it_applies", "required"),
    [
        ("en", "(required if it applies)", "(required)"),
        ("ru", "(обязательно, если относится к вам)", "(обязательно)"),
        ("kk", "(сәйкес келсе, міндетті)", "(міндетті)"),
    ],
)
def test_a_required_question_under_a_same_page_condition_is_required_once_it_applies(
    app, client, survey_id, language, if_it_applies, required
):
    """The employer question is required and shown when "Do you work?" (same page) is yes.
    Without JavaScript it is shown before that answer: "required if it applies", not a
    plain "required" beside "answer only if it applies"; once it applies, "required"."""
    html = client.get(f"/s/wellbeing?lang={language}").get_data(as_text=True)
    response = answer_page(client, html, {"region": "KZ-71", "age": "40"}, language=language)
    page2 = client.get(response.headers["Location"]).get_data(as_text=True)
    label = EMPLOYER_LABEL.search(page2).group(1)
    shown = VISIBLE.sub("", label)  # what a browser without the script shows
    assert if_it_applies in shown and required not in shown
    assert f'<span class="required applies-hint" hidden>{required}</span>' in label
    assert "conditional-hint" in page2  # "answer only if it applies" is still said
    # The trust question has no condition: plainly required.
    assert f'<span class="required">{required}</span>' in page2

    response = answer_page(client, page2, {"employed": "yes", "trust": "2"}, language=language)
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    label = EMPLOYER_LABEL.search(refused).group(1)
    assert f'<span class="required">{required}</span>' in label
    assert if_it_applies not in refused and "conditional-hint" not in refused


def test_names_that_differ_only_in_case_keep_their_own_answers(app, client, regions):
    from tests.webapp.surveys.surveys_support import LABELS, xlsx_bytes
    from webapp.surveys.xlsform import read_xlsform

    survey = [
        ["type", "name", *LABELS],
        ["integer", "Age", "Басшының жасы", "Возраст главы", "Head's age"],
        ["integer", "age", "Жасыңыз", "Ваш возраст", "Your age"],
        ["select_multiple ab", "pick", "Таңдаңыз", "Выберите", "Pick"],
    ]
    choices = [
        ["list_name", "name", *LABELS],
        ["ab", "A", "Үлкен A", "Большая A", "Capital A"],
        ["ab", "a", "Кіші a", "Малая a", "Small a"],
    ]
    settings = [["form_id", "default_language"], ["cased", "en"]]
    data = xlsx_bytes(survey, choices, settings)
    # Allowed, as pyxform allows it (with a warning, which the import repeats as a note).
    notes = read_xlsform(data).notes
    assert any("the name 'age' differs from 'Age' (row 2) only in case" in n for n in notes)
    make_survey(app, slug="cased", data=data)
    html = client.get("/s/cased?lang=en").get_data(as_text=True)
    assert 'id="q-Age"' in html and 'id="q-age"' in html
    response = answer_page(client, html, {"Age": "61", "age": "30", "pick": ["a"]}, language="en")
    assert response.status_code == 200, response.get_data(as_text=True)
    [stored] = stored_responses(app)
    assert stored["answers"] == {"Age": 61, "age": 30, "pick": ["a"]}


def test_names_that_differ_only_in_punctuation_have_their_own_element_ids(app, client, regions):
    from tests.webapp.surveys.surveys_support import LABELS, xlsx_bytes

    survey = [
        ["type", "name", *LABELS],
        ["integer", "a_b", "Бір", "Один", "One"],
        ["integer", "a-b", "Екі", "Два", "Two"],
        ["integer", "a.b", "Үш", "Три", "Three"],
        ["select_one yn", "a", "Иә ма?", "Да?", "Yes?"],
        ["integer", "a_0", "Төрт", "Четыре", "Four"],
    ]
    choices = [
        ["list_name", "name", *LABELS],
        ["yn", "yes", "Иә", "Да", "Yes"],
        ["yn", "no", "Жоқ", "Нет", "No"],
    ]
    settings = [["form_id", "default_language"], ["punctuated", "en"]]
    make_survey(app, slug="punctuated", data=xlsx_bytes(survey, choices, settings))
    html = client.get("/s/punctuated?lang=en").get_data(as_text=True)
    ids = re.findall(r'\bid="(q-[^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(ids)
    labels = dict(re.findall(r'<label for="(q-[^"]+)">\s*([^<(]+?)\s*[<(]', html))
    assert sorted(labels.values()) == sorted(["One", "Two", "Three", "Four", "Yes", "No"])
    assert len(labels) == 6
    response = answer_page(
        client, html, {"a_b": "1", "a-b": "2", "a.b": "3", "a": "no", "a_0": "4"}, language="en"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    [stored] = stored_responses(app)
    assert stored["answers"] == {"a_b": 1, "a-b": 2, "a.b": 3, "a": "no", "a_0": 4}
