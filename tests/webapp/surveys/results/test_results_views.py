"""Results pages: who sees what, exports (streamed, audited, parse back), indicator pages."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.surveys.results.models import RegionPopulation, SurveyIndicatorMapping


@pytest.fixture
def big_survey(app, stored_survey, add_responses):
    """The stored survey with 2,000 more responses, for the export tests."""
    with app.app_context():
        from webapp.surveys.models import Survey

        survey = db.session.get(Survey, stored_survey.survey_id)
        plan = {("KZ-10", 3): 700, ("KZ-11", 3): 600, ("KZ-75", 3): 700}
        rows = add_responses(survey.id, survey.current_version_id, plan, seed=3, start_index=1000)
        stored_survey.rows.extend(rows)
    return stored_survey


def test_pages_need_a_sign_in_and_the_right_role(client, stored_survey, make_user, sign_in):
    survey_id = stored_survey.survey_id
    assert client.get(f"/results/{survey_id}").status_code == 302
    sign_in(make_user("council_member"))
    assert client.get("/results/").status_code == 200
    assert client.get(f"/results/{survey_id}").status_code == 200
    for path in ("export.csv", "export.xlsx", "codebook.csv", "indicators"):
        assert client.get(f"/results/{survey_id}/{path}").status_code == 403, path


def test_council_member_sees_suppressed_figures_and_no_free_text(
    client, stored_survey, make_user, sign_in
):
    sign_in(make_user("council_member"))
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    assert "hidden" in page  # suppressed cells are marked
    assert "Roads are bad" not in page and "analysts only" not in page
    assert "Download responses" not in page
    assert " style=" not in page  # the CSP forbids inline styles: presentation attributes only


def test_analyst_sees_exact_figures_free_text_and_charts(client, stored_survey, make_user, sign_in):
    sign_in(make_user("analyst"))
    page = client.get(
        f"/results/{stored_survey.survey_id}?region=KZ-10&month_from=2026-01&month_to=2026-01"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Responses: 30" in text
    assert "Roads are bad" in text or "Спасибо" in text
    assert "=cmd" in text or "Roads" in text  # free text is shown, escaped by Jinja
    assert "<script" not in text
    bad = client.get(f"/results/{stored_survey.survey_id}?month_from=2026-13")
    assert bad.status_code == 200  # an unknown month is ignored with the full period shown


def test_csv_export_streams_every_response_neutralised_and_audited(
    app, client, big_survey, make_user, sign_in
):
    analyst = make_user("analyst")
    sign_in(analyst)
    response = client.get(f"/results/{big_survey.survey_id}/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(big_survey.rows) == 2113
    stored = {row["submission_id"]: row for row in big_survey.rows}
    del stored
    by_id = {int(row["response_id"]): row for row in rows}
    assert sorted(by_id) == list(range(1, 2114))
    formulas = [row["comment"] for row in rows if row["comment"].startswith(("'=", "'+"))]
    assert formulas and not any(row["comment"].startswith(("=", "+", "-", "@")) for row in rows)
    sample = rows[0]
    assert {"services/psc", "services/egov", "services/health", "survey_version"} <= set(sample)
    assert sample["services/psc"] in ("0", "1", "")
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "survey.export"))
        assert event.details == {"format": "csv", "rows": 2113}
        assert event.actor_email == analyst.email


def test_xlsx_export_larger_than_a_worksheet_is_refused_with_the_csv_offered(
    app, client, big_survey, make_user, sign_in, monkeypatch
):
    from webapp.surveys.results import export

    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2113)  # one row short: the header takes one
    sign_in(make_user("analyst"))
    response = client.get(f"/results/{big_survey.survey_id}/export.xlsx", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This survey has 2,113 responses, more than an Excel worksheet holds (2,112)" in page
    assert f"/results/{big_survey.survey_id}/export.csv" in page
    with app.app_context():  # nothing was exported, so nothing is on record as exported
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(AuditEvent.action == "survey.export")
            )
            == 0
        )
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2114)  # exactly fits
    assert client.get(f"/results/{big_survey.survey_id}/export.xlsx").status_code == 200


def test_xlsx_export_has_every_row_and_a_codebook(app, client, big_survey, make_user, sign_in):
    sign_in(make_user("admin"))
    response = client.get(f"/results/{big_survey.survey_id}/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert workbook.sheetnames == ["responses", "codebook"]
    rows = list(workbook["responses"].iter_rows(values_only=True))
    assert len(rows) == 1 + 2113
    header = rows[0]
    comments = [dict(zip(header, row, strict=True))["comment"] for row in rows[1:]]
    assert not any(isinstance(c, str) and c.startswith(("=", "+")) for c in comments)
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert any(row[0] == "trust" and row[3] == "5" for row in codebook)
    workbook.close()
    with app.app_context():
        details = [
            e.details
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "survey.export")
            )
        ]
        assert details == [{"format": "xlsx", "rows": 2113}]


def test_codebook_download(client, stored_survey, make_user, sign_in):
    sign_in(make_user("analyst"))
    text = client.get(f"/results/{stored_survey.survey_id}/codebook.csv").get_data(as_text=True)
    assert "trust,trust,select_one" in text and "services/egov" in text


@pytest.mark.parametrize(
    ("language", "codes", "message"),
    [
        ("ru", "9", "9 нет среди ответов вопроса 'trust' (1, 2, 3, 4, 5)"),
        ("kk", "", "санау үшін кемінде бір жауап кодын көрсетіңіз"),
        ("en", "", "name at least one answer code to count"),
    ],
)
def test_a_refused_mapping_is_explained_in_the_analysts_language(
    client, stored_survey, make_user, sign_in, language, codes, message
):
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": language, "next": "/"})
    refused = client.post(
        f"/results/{stored_survey.survey_id}/indicators",
        data={
            "indicator": "survey_dissatisfied_services",
            "question": "trust",
            "method": "share",
            "codes": codes,
        },
    )
    assert message in html.unescape(refused.get_data(as_text=True))


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("ru", "Доля недовольных качеством государственных услуг"),
        ("en", "Share dissatisfied with public services"),
    ],
)
def test_indicators_are_offered_by_their_name_in_the_page_language(
    client, stored_survey, make_user, sign_in, language, name
):
    """The choice of indicator listed the catalogue's English names on kk and ru pages."""
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/results/{stored_survey.survey_id}/indicators").get_data(as_text=True)
    assert f"survey_dissatisfied_services — {name}" in html.unescape(page)


def test_analyst_maps_a_question_to_an_indicator(app, client, stored_survey, make_user, sign_in):
    sign_in(make_user("analyst"))
    url = f"/results/{stored_survey.survey_id}/indicators"
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        data={
            "indicator": "survey_dissatisfied_services",
            "question": "trust",
            "method": "share",
            "codes": "9",
        },
    )
    assert refused.status_code == 200 and "not among the answers" in refused.get_data(as_text=True)
    saved = client.post(
        url,
        data={
            "indicator": "survey_dissatisfied_services",
            "question": "trust",
            "method": "share",
            "codes": "1 2",
        },
    )
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "survey_dissatisfied_services" in page and "Computed values" in page
    with app.app_context():
        mapping = db.session.scalar(sa.select(SurveyIndicatorMapping))
        assert (mapping.question, mapping.codes) == ("trust", ["1", "2"])
        client.post(f"{url}/{mapping.id}/delete")
        assert (
            db.session.scalar(sa.select(sa.func.count()).select_from(SurveyIndicatorMapping)) == 0
        )


def test_indicators_page_shows_periods_in_progress_apart_and_unpublished(
    app, client, stored_survey, make_user, sign_in, monkeypatch
):
    """On 15 February 2026 January has ended and February has not: February's mean is a
    running figure, in its own table, marked as not published until the month ends."""
    from datetime import UTC, datetime

    from webapp.surveys.models import Survey
    from webapp.surveys.results import services

    with app.app_context():
        survey = db.session.get(Survey, stored_survey.survey_id)
        services.add_mapping(survey, "household_size", "household", "mean")
        db.session.commit()
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 2, 15, 6, 0, tzinfo=UTC))
    sign_in(make_user("analyst"))
    page = client.get(f"/results/{stored_survey.survey_id}/indicators").get_data(as_text=True)
    published, _, in_progress = page.partition('id="in-progress"')
    assert in_progress, "the periods in progress have a section of their own"
    assert "2026-01" in published and "2026-02" not in published
    assert "2026-02" in in_progress and "2026-01" not in in_progress
    assert "not published until the period ends" in in_progress
    assert "February 28, 2026" in html.unescape(in_progress)  # the day February ends
    february = {r["region_code"] for r in stored_survey.rows if r["submitted_at"].month == 2}
    assert in_progress.count("<code>household_size</code>") == len(february)


def test_population_upload_reports_rows_and_is_all_or_nothing(
    app, client, stored_survey, make_user, sign_in
):
    sign_in(make_user("analyst"))
    url = f"/results/{stored_survey.survey_id}/populations"
    bad = b"region_code,population\nKZ-10,600000\nKZ-XX,5\nKZ-11,many\n"
    page = client.post(url, data={"file": (io.BytesIO(bad), "pop.csv"), "source": "test"}).get_data(
        as_text=True
    )
    assert "row 3, column region_code" in page and "row 4, column population" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegionPopulation)) == 0
    good = b'region_code,population\nKZ-10,600000\nKZ-11,"786,000"\n'
    assert client.post(url, data={"file": (io.BytesIO(good), "pop.csv")}).status_code == 302
    with app.app_context():
        assert db.session.get(RegionPopulation, "KZ-11").population == 786000


def test_cached_figures_follow_new_responses_and_the_viewer(
    app, client, stored_survey, make_user, sign_in, add_responses
):
    """Rendered figures are reused, but never across a new response, a viewer kind or a
    language."""
    from webapp.surveys.models import Survey

    survey_id = stored_survey.survey_id
    sign_in(make_user("analyst"))
    first = client.get(f"/results/{survey_id}?region=KZ-75").get_data(as_text=True)
    assert "Responses: 40" in first and "analysts only" in first
    with app.app_context():
        version_id = db.session.get(Survey, survey_id).current_version_id
        add_responses(survey_id, version_id, {("KZ-75", 2): 2}, seed=5, start_index=600)
    second = client.get(f"/results/{survey_id}?region=KZ-75").get_data(as_text=True)
    assert "Responses: 42" in second
    russian = client.get(
        f"/results/{survey_id}?region=KZ-75", headers={"Accept-Language": "ru"}
    ).get_data(as_text=True)
    assert "Ответы: 42" in russian and "Responses: 42" not in russian
    client.post("/sign-out")
    sign_in(make_user("council_member"))
    council = client.get(f"/results/{survey_id}?region=KZ-75").get_data(as_text=True)
    assert "Responses: 42" in council
    assert "analysts only" not in council and "Download responses" not in council


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_figures_are_written_as_the_page_language_writes_numbers(
    client, big_survey, make_user, sign_in, language
):
    """The Russian results page read 'Ответы: 2,060', '54.8%' and a mean of '4.48': English
    separators on a page whose risk review writes '8,3'."""
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/results/{big_survey.survey_id}").get_data(as_text=True)
    total = len(big_survey.rows)
    assert total >= 1000
    assert f": {total:,}</h2>" not in page
    assert re.search(r": \d{1,3}\N{NO-BREAK SPACE}\d{3}</h2>", page), "grouped with a space"
    assert not re.search(r">\d+\.\d%<", page), "a share with a decimal point"
    assert re.search(r">\d+,\d%<", page)
    # the household size's mean, standard deviation and quartiles
    decimals = re.findall(r'<td class="number">(\d+[.,]\d+)</td>', page)
    assert decimals and all("." not in value for value in decimals), decimals


def test_the_month_filter_reads_as_russian(client, stored_survey, make_user, sign_in):
    """The second month field was labelled 'По месяц', a phrase cut in half."""
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": "ru", "next": "/"})
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    assert ">С месяца</label>" in page
    assert ">До месяца (включительно)</label>" in page


def russian_plural(count: int, one: str, few: str, many: str) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


@pytest.mark.parametrize("region", ["KZ-10", "KZ-11"])
def test_the_latest_answers_are_counted_with_the_plural_of_their_number(
    client, stored_survey, make_user, sign_in, region
):
    """'2 последних ответа', '5 последних ответов', '21 последний ответ': the summary over
    the free texts agrees with its number in Russian (and in English, 'The latest answer')."""
    sign_in(make_user("analyst"))
    url = f"/results/{stored_survey.survey_id}?region={region}&month_from=2026-02&month_to=2026-02"
    texts = [
        r["answers"]["comment"]
        for r in stored_survey.rows
        if r["region_code"] == region and r["submitted_at"].month == 2 and "comment" in r["answers"]
    ]
    count = len(texts)
    assert count > 0
    english = client.get(url).get_data(as_text=True)
    expected = "The latest answer" if count == 1 else f"Latest {count} answers"
    assert f"<summary>{expected} (analysts only)</summary>" in english
    client.post("/language", data={"language": "ru", "next": "/"})
    page = client.get(url).get_data(as_text=True)
    summary = re.search(r"<summary>([^<]*)\(только для аналитиков\)</summary>", page)
    assert summary, "no summary over the latest answers"
    word = russian_plural(count, "ответ", "ответа", "ответов")
    assert summary.group(1).split()[0] == str(count), (count, summary.group(1))
    assert summary.group(1).split()[-1] == word, (count, summary.group(1))


@pytest.mark.parametrize(
    ("language", "hidden"),
    [("en", "hidden: fewer than 10 responses"), ("ru", "скрыто: в каждом регионе и месяце")],
)
def test_a_selection_with_nothing_released_reads_hidden_not_zero(
    client, stored_survey, make_user, sign_in, language, hidden
):
    """A council member choosing a region-month of 4 responses read "Ответы: 0" and a 0
    beside every answer and language, while the charts said "hidden": nothing is released
    there, so the count is hidden (fewer than k), not zero. The analyst still reads 4."""
    path = f"/results/{stored_survey.survey_id}?region=KZ-11&month_from=2026-02&month_to=2026-02"
    sign_in(make_user("council_member"))
    client.post("/language", data={"language": language})
    page = client.get(path).get_data(as_text=True)
    responses = re.search(r'<h2 id="responses">(.*?)</h2>', page, re.S).group(1)
    assert hidden in responses and not re.search(r":\s*0\s*$", responses), responses
    figures = page[page.index('id="questions"') :]
    assert not re.search(r'<td class="number">0</td>', figures), "a hidden answer read as 0"
    languages = page[page.index("<caption>") : page.index('id="questions"')]
    assert '<td class="number">0</td>' not in languages
    client.post("/sign-out")
    sign_in(make_user("analyst"))
    exact = client.get(path + "&lang=en").get_data(as_text=True)
    assert re.search(r'<h2 id="responses">\w+: 4</h2>', exact)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_chart_axes_are_written_as_the_page_language_writes_numbers(
    client, big_survey, make_user, sign_in, language
):
    """The tables beside the charts read '1 400' and '2,5', the charts' axes '1,400' and
    '2.5'; and with every month hidden (a council member's region-month of 4 responses) the
    months' axis ran 0, 0.5, 1 over no column at all."""
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/results/{big_survey.survey_id}").get_data(as_text=True)
    axes = [
        text
        for svg in re.findall(r"<svg.*?</svg>", page, re.S)
        for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        if re.fullmatch(r"[\d.,\s\N{NO-BREAK SPACE}]+", text.strip())
    ]
    assert any(re.search(r"\d\N{NO-BREAK SPACE}\d{3}", text) for text in axes), axes
    assert not [text for text in axes if re.search(r"\d[.,]\d{3}|\d\.\d", text)], axes
    client.post("/sign-out")
    sign_in(make_user("council_member"))
    client.post("/language", data={"language": language, "next": "/"})
    path = f"/results/{big_survey.survey_id}?region=KZ-11&month_from=2026-02&month_to=2026-02"
    hidden = client.get(path).get_data(as_text=True)
    months = re.search(r'<svg[^>]*aria-labelledby="by-month".*?</svg>', hidden, re.S).group(0)
    assert re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', months) == ["0"]


@pytest.mark.parametrize(
    ("language", "meaning"), [("ru", "без учёта скрытых ячеек"), ("kk", "жасырылған ұяшықтарды")]
)
def test_the_asterisk_of_a_partial_count_is_explained_on_the_page(
    client, stored_survey, make_user, sign_in, language, meaning
):
    """A count marked "*" leaves out hidden cells; that was said in a tooltip only, which a
    printed page (what a council takes to its meeting) does not have."""
    sign_in(make_user("council_member"))
    client.post("/language", data={"language": language})
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    assert "*</span>" in page  # the fixture has partial counts
    text = re.sub(r'title="[^"]*"', "", page)
    assert meaning in text


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Figures as of "), ("ru", "Данные на "), ("kk", " жағдайы бойынша деректер.")],
)
def test_the_results_page_says_when_its_figures_were_drawn(
    client, stored_survey, make_user, sign_in, language, words
):
    """Printed for a council's meeting, the results page gave no date: neither the data's
    nor the print's."""
    from webapp.database import utcnow

    sign_in(make_user("council_member"))
    client.post("/language", data={"language": language})
    page = client.get(f"/results/{stored_survey.survey_id}").get_data(as_text=True)
    line = re.search(r'<p class="hint figures-date">([^<]+)</p>', page)
    assert line and words in line.group(1), line
    assert str(utcnow().year) in line.group(1)
