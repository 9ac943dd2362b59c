"""Printed reports on A4 paper: every column of every table on the page, in each language.

Drawn by headless Chromium with the print style sheets; skipped where Chromium is missing.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: The printable width of an A4 page with Chromium's default margins (about 19 cm), in CSS px.
A4_PRINTABLE_WIDTH = 718

pytestmark = [
    pytest.mark.browser,
    pytest.mark.any_database,  # page layout: the same on either database
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not found"),
]

#: Right edge of the widest table and of the page's content, in CSS px.
MEASURE = """() => ({
  tables: Math.max(0, ...[...document.querySelectorAll('table')].map(
    table => table.getBoundingClientRect().right)),
  labels: Math.max(0, ...[...document.querySelectorAll('svg text')].map(
    text => text.getBoundingClientRect().right - text.ownerSVGElement.getBoundingClientRect().right)),
})"""


def printable_page(client, path: str) -> str:
    """The page with its style sheets inlined (print ones as print), ready for set_content."""
    page = client.get(path).get_data(as_text=True)

    def inline(match: re.Match[str]) -> str:
        href, media = match.group(1), match.group(2)
        css = client.get(href).get_data(as_text=True)
        return f'<style media="{media or "all"}">{css}</style>'

    return re.sub(r'<link rel="stylesheet" href="([^"]+)"(?: media="([^"]+)")?>', inline, page)


def measure(pages: dict[str, str]) -> dict[str, dict[str, float]]:
    """Each page's right edges, printed at A4 width."""
    return evaluate_printed(pages, MEASURE)


def evaluate_printed(pages: dict[str, str], script: str) -> dict[str, Any]:
    """``script``'s result on each page, laid out for print at A4 width in Chromium."""
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            view = browser.new_page(viewport={"width": A4_PRINTABLE_WIDTH, "height": 1000})
            view.emulate_media(media="print")
            for path, html in pages.items():
                view.set_content(html)
                found[path] = view.evaluate(script)
        finally:
            browser.close()
    return found


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_reports_fit_an_a4_page(client_for, published, language):
    client = client_for("council_member")
    client.post("/language", data={"language": language})
    pages = {
        path: printable_page(client, path)
        for path in ("/review/report", "/review/regions/KZ-75/report")
    }
    # Playwright's sync API refuses a thread whose event loop is already running, as it is
    # when the browser tests of the same pytest worker hold their session-wide browser.
    with ThreadPoolExecutor(max_workers=1) as executor:
        measured = executor.submit(measure, pages).result()
    for path, edges in measured.items():
        assert edges["tables"] <= A4_PRINTABLE_WIDTH, (path, edges)
        assert edges["labels"] <= 0.5, (path, edges)


#: How the region report breaks across pages and which colours it prints.
PRINT_RULES = """() => {
  const style = selector => getComputedStyle(document.querySelector(selector));
  const exact = element => {
    const computed = getComputedStyle(element);
    return computed.getPropertyValue('print-color-adjust')
      || computed.getPropertyValue('-webkit-print-color-adjust');
  };
  return {
    history: style('section[aria-labelledby="history-title"]').breakInside,
    movers: style('section[aria-labelledby="movers-title"]').breakInside,
    chart: style('.risk-chart').breakInside,
    legend: style('.risk-legend').breakInside,
    key: [...document.querySelectorAll('.chart-key .key')].map(exact),
  };
}"""


def print_rules(pages: dict[str, str]) -> dict[str, dict]:
    return evaluate_printed(pages, PRINT_RULES)


def test_region_report_breaks_between_rows_and_prints_the_chart_key(client_for, published):
    """The history section (chart and a table of every period) was kept whole: longer than a
    page, it went to page 2 and left the first page with the summary alone. The chart, the
    legend and each row stay whole instead. The key's interval swatches are backgrounds,
    which browsers drop on paper unless asked: the key named bands it did not show."""
    client = client_for("council_member")
    path = "/review/regions/KZ-75/report"
    with ThreadPoolExecutor(max_workers=1) as executor:
        found = executor.submit(print_rules, {path: printable_page(client, path)}).result()[path]
    assert found["history"] == "auto" and found["movers"] == "auto", found
    assert found["chart"] == "avoid" and found["legend"] == "avoid", found
    assert found["key"] == ["exact"] * 4, found


def test_country_report_keeps_the_freshness_box_whole(client_for, published):
    """A short box of dates split across two sheets, its heading alone at a page's foot."""
    client = client_for("council_member")
    path = "/review/report"
    rules = "() => getComputedStyle(document.querySelector('.freshness')).breakInside"

    def read(html: str) -> str:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            try:
                view = browser.new_page(viewport={"width": A4_PRINTABLE_WIDTH, "height": 1000})
                view.emulate_media(media="print")
                view.set_content(html)
                return view.evaluate(rules)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        assert executor.submit(read, printable_page(client, path)).result() == "avoid"


def scores_table_widths(pages: dict[str, str]) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            view = browser.new_page(viewport={"width": 1280, "height": 800})
            for name, html in pages.items():
                view.set_content(html)
                found[name] = view.evaluate(
                    "() => { const wrap = document.querySelector('table.scores')"
                    ".closest('.table-wrap'); return [wrap.clientWidth, wrap.scrollWidth]; }"
                )
        finally:
            browser.close()
    return found


def test_dashboard_scores_table_fits_a_desktop_screen(client_for, published):
    """Column headings kept on one line ("Chance of “high” or above, 2024 ⇅") made the table
    wider than a 1280 px screen, so its last columns needed sideways scrolling on a PC."""
    client = client_for("council_member")
    pages = {}
    for language in ("kk", "ru", "en"):
        client.post("/language", data={"language": language})
        html = printable_page(client, "/review/")
        pages[language] = re.sub(r'<style media="print">.*?</style>', "", html, flags=re.S)
    with ThreadPoolExecutor(max_workers=1) as executor:
        widths = executor.submit(scores_table_widths, pages).result()
    for language, (visible, whole) in widths.items():
        assert whole <= visible + 1, (language, visible, whole)


#: Sixty-two periods of scores, as the demo's monthly history from 2021-11 to 2026-12.
LONG_HISTORY = tuple(str(year) for year in range(1962, 2024))


@pytest.fixture
def long_history(app, regions):
    """The published run over every current unit with 62 scored periods."""
    from tests.webapp.review.conftest import PUBLISHED
    from tests.webapp.review.materialised import materialise_run

    with app.app_context():
        codes = tuple(region.code for region in regions if region.is_current)
        return materialise_run(PUBLISHED, codes, periods=LONG_HISTORY)


def history_rows(page: str) -> list[str]:
    table = page.split('id="history-title"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)</th>', table)


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "Earlier periods (50, from 1962 to 2011)"),
        ("ru", "Более ранние периоды (50, с 1962 по 2011)"),
        ("kk", "Бұрынғы кезеңдер (50, 1962 – 2011)"),
    ],
)
def test_printed_region_report_lists_the_latest_periods(client_for, long_history, language, note):
    """The printed report listed all 62 periods: five A4 pages, three of them this table. It
    lists the last twelve and the forecasts, and says where the earlier ones are; the unit's
    page still lists every period."""
    client = client_for("council_member")
    client.post("/language", data={"language": language})
    report = client.get("/review/regions/KZ-75/report").get_data(as_text=True)
    rows = history_rows(report)
    assert rows[:12] == [str(year) for year in range(2012, 2024)], rows
    assert len(rows) == 12 + 2  # and the two forecast periods
    assert note in report
    assert '<a href="http://localhost/review/scores.csv" download>' in report
    assert len(history_rows(client.get("/review/regions/KZ-75").get_data(as_text=True))) == 64


def printed_pages(pages: dict[str, str]) -> dict[str, int]:
    """How many A4 sheets Chromium prints each page on (1 cm margins)."""
    from playwright.sync_api import sync_playwright

    counted = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            view = browser.new_page()
            for name, html in pages.items():
                view.set_content(html)
                document = view.pdf(format="A4", margin=dict.fromkeys(MARGINS, "1cm"))
                counted[name] = len(re.findall(rb"/Type\s*/Page(?![s\w])", document))
        finally:
            browser.close()
    return counted


MARGINS = ("top", "right", "bottom", "left")


def test_printed_region_report_of_a_long_history_takes_two_sheets(client_for, long_history):
    client = client_for("council_member")
    pages = {}
    for language in ("kk", "ru", "en"):
        client.post("/language", data={"language": language})
        pages[language] = printable_page(client, "/review/regions/KZ-75/report")
    with ThreadPoolExecutor(max_workers=1) as executor:
        counted = executor.submit(printed_pages, pages).result()
    assert all(sheets <= 2 for sheets in counted.values()), counted


def test_printed_region_page_leaves_out_the_comment_form(client_for, published):
    """Printed from the browser, the unit's page ended with an empty comment form, its
    "Send comment" button alone on the last sheet."""
    client = client_for("council_member")
    path = "/review/regions/KZ-75"
    script = """() => [...document.querySelectorAll('#comments form, #comments h3')].map(
      element => element.offsetParent !== null)"""
    with ThreadPoolExecutor(max_workers=1) as executor:
        shown = executor.submit(
            evaluate_printed, {path: printable_page(client, path)}, script
        ).result()[path]
    assert shown and not any(shown), shown


#: Council comments as members write them: a few sentences each, in the three languages.
COMMENTS = (
    (
        "agree",
        "Бағамен келісеміз: қаңтардағы шағымдардың өсуі кеңес отырысында да айтылды. Жастар "
        "жұмыссыздығы бойынша әкімдіктен қосымша деректер сұраймыз.",
    ),
    (
        "needs_discussion",
        "Оценка по межнациональному согласию кажется завышенной: опрос проводился до встречи "
        "с общественными объединениями. Предлагаем обсудить на следующем заседании совета.",
    ),
    (
        "disagree",
        "The score understates the pressure on housing: rents in the city rose faster than the "
        "inflation figure suggests.",
    ),
)


@pytest.fixture
def commented(app, published):
    """Three council comments on the published run's latest score of Almaty, one answered."""
    import sqlalchemy as sa

    from tests.webapp.review.conftest import PUBLISHED
    from webapp.extensions import db
    from webapp.regions.models import Region
    from webapp.review.comments import add_comment, add_reply
    from webapp.risk.models import RiskModelRun, RiskScore

    with app.test_request_context():
        run = db.session.get(RiskModelRun, PUBLISHED)
        region = db.session.get(Region, "KZ-75")
        period = db.session.scalar(
            sa.select(sa.func.max(RiskScore.period)).where(
                RiskScore.run_id == PUBLISHED, RiskScore.region_code == "KZ-75"
            )
        )
        stored = [
            add_comment(run, region, period, verdict, body, None) for verdict, body in COMMENTS
        ]
        add_reply(stored[1], "Спасибо, данные по обращениям добавим к следующему расчёту.", None)
        db.session.commit()
    return published


#: The history table's text size, the size of a note set in one of its cells (the survey
#: table's "the score uses imported statistics for this period"), each row's height and
#: whether a figure cell may wrap, in the printed region report.
TABLE_TEXT = """() => {
  const table = document.querySelector('.history-table');
  const note = document.createElement('span');
  note.className = 'hint';
  note.textContent = '2023';
  table.querySelector('tbody td').append(note);
  const size = element => parseFloat(getComputedStyle(element).fontSize);
  return {
    table: size(table),
    note: size(note),
    rows: [...table.querySelectorAll('tbody tr')].map(row => row.getBoundingClientRect().height),
    wrapping: [...table.querySelectorAll('td.number')].map(cell => getComputedStyle(cell).whiteSpace),
  };
}"""


def test_printed_tables_are_set_tight_enough_for_kk_and_ru_to_fit(client_for, published):
    """The region report with comments printed on four A4 sheets in Kazakh and Russian and
    three in English (demo data): the survey table's note under each period was set at the
    screen's size, larger than the table's 9 pt, and ran to four lines; an interval
    ("18,1–35,3") broke at its dash; every row kept the screen's line height and a swatch
    taller than the text. Now a note is no larger than the table's text, figures stay on one
    line and a row is one line of text and its padding."""
    client = client_for("council_member")
    path = "/review/regions/KZ-75/report"
    with ThreadPoolExecutor(max_workers=1) as executor:
        found = executor.submit(
            evaluate_printed, {path: printable_page(client, path)}, TABLE_TEXT
        ).result()[path]
    assert found["note"] <= found["table"], found
    assert found["rows"] and max(found["rows"]) < 2 * found["table"], found
    assert set(found["wrapping"]) == {"nowrap"}, found


def test_printed_comment_stays_on_one_sheet(client_for, commented):
    """A comment's verdict and author were printed at a page's foot and its text on the next."""
    client = client_for("council_member")
    path = "/review/regions/KZ-75/report"
    script = """() => [...document.querySelectorAll('.comment, .reply')].map(
      element => getComputedStyle(element).breakInside)"""
    with ThreadPoolExecutor(max_workers=1) as executor:
        found = executor.submit(
            evaluate_printed, {path: printable_page(client, path)}, script
        ).result()[path]
    assert len(found) == 4 and set(found) == {"avoid"}, found


#: What a screen asks a council member to click, which paper cannot do.
SCREEN_INSTRUCTIONS = {
    "en": ("Select a column heading", "Select a square"),
    "ru": ("Выберите заголовок столбца", "Выберите квадрат"),
    "kk": ("баған тақырыбын таңдаңыз", "шаршыны таңдаңыз"),
}


def test_printed_dashboard_does_not_ask_to_click(client_for, published):
    """The printed dashboard told its reader to "select a column heading to sort by it" and to
    "select a square to open the unit's page"; the screen still says so."""
    client = client_for("council_member")
    pages = {}
    for language in SCREEN_INSTRUCTIONS:
        client.post("/language", data={"language": language})
        pages[language] = printable_page(client, "/review/")
        for instruction in SCREEN_INSTRUCTIONS[language]:
            assert instruction in pages[language], (language, instruction)
    with ThreadPoolExecutor(max_workers=1) as executor:
        printed = executor.submit(evaluate_printed, pages, "() => document.body.innerText").result()
    for language, text in printed.items():
        for instruction in SCREEN_INSTRUCTIONS[language]:
            assert instruction not in text, (language, instruction)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Published model run run-published, computed on "),
        ("ru", "Опубликованный расчёт модели: run-published, выполнен "),
        ("kk", "Жарияланған модель есептеуі: run-published, "),
    ],
)
def test_printed_region_report_says_when_the_run_was_computed(
    app, client_for, published, language, words
):
    """The printed report named the run by its id only: read at a meeting days later, it
    did not say how old its scores were (the country report has a box of dates; this one
    had none)."""
    from flask_babel import force_locale, format_date

    from tests.webapp.review.conftest import PUBLISHED
    from webapp.extensions import db
    from webapp.risk.models import RiskModelRun

    with app.test_request_context(), force_locale(language):
        # In the app's time zone, as the page writes it.
        computed = format_date(db.session.get(RiskModelRun, PUBLISHED).created_at, "long")
    client = client_for("council_member")
    client.post("/language", data={"language": language})
    page = client.get("/review/regions/KZ-75/report").get_data(as_text=True)
    note = re.search(r'<p class="run-note">(.*?)</p>', page, re.S).group(1)
    assert words in note, note
    assert computed in note, note
