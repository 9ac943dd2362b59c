"""The reader's report on the import pages in the analyst's language (kk, ru).

The reader words issues in English for the command line and keeps a code and parameters
beside the text; the pages word them from the code, keep the row and column exactly as in the
file, and name the upload form's fields instead of command line options.
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes, upload_data
from webapp.extensions import db
from webapp.risk.models import StatisticsImport

ERRORS_CSV = csv_bytes(
    """
Регион;Период;Показатель;Значение
Atlantis;2023-01;registered_unemployment;1
Акмолинская область;2023-13;registered_unemployment;2
Костанайская область;2023-01;registered_unemployment;abc
Akmola;2023-02;registered_unemployment;4
Akmola region;2023-02;registered_unemployment;5
"""
)

WARNINGS_CSV = csv_bytes(
    """
Регион;Период;Показатель;Значение
ВКО;2019-05;registered_unemployment;4,1
Akmola;2019-05;registered_unemployment;-
"""
)


def rows_of(page: str) -> list[list[str]]:
    """The cells of every table row, tags stripped and entities decoded."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def preview(client, content: bytes, language: str, **options) -> str:
    client.post("/language", data={"language": language})
    response = client.post("/risk/imports", data=upload_data(content, "stats.csv", **options))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


EXPECTED_ERRORS = {
    "ru": [
        ["2", "Регион", "Неизвестный регион «Atlantis» в строках: 1.", "Atlantis"],
        [
            "3",
            "Период",
            "«2023-13»: 13 — не месяц.",
            "2023-13",
        ],
        ["4", "Значение", "«abc» — не число.", "abc"],
        [
            "6",
            "Значение",
            "Второе значение для региона KZ-11 Акмолинская область, периода 2023-02, "
            "показателя registered_unemployment (первое — в строке 5). «Akmola» и "
            "«Akmola region» — один и тот же регион.",
            "5",
        ],
    ],
    "kk": [
        ["2", "Регион", "1 жолдағы белгісіз өңір 'Atlantis'.", "Atlantis"],
        ["3", "Период", "'2023-13': 13 — ай емес.", "2023-13"],
        ["4", "Значение", "'abc' — сан емес.", "abc"],
        [
            "6",
            "Значение",
            "KZ-11 Ақмола облысы өңірі, 2023-02 кезеңі, registered_unemployment көрсеткіші "
            "үшін екінші мән (біріншісі 5-жолда). 'Akmola' және 'Akmola region' — бір өңір.",
            "5",
        ],
    ],
}


def test_errors_are_worded_in_the_analysts_language_with_rows_and_columns_exact(
    app, analyst_client
):
    for language, expected in EXPECTED_ERRORS.items():
        page = preview(analyst_client, ERRORS_CSV, language)
        table = [row for row in rows_of(page) if len(row) == 4]
        assert table[:4] == expected, language
        summary = html.unescape(page)
        assert "unknown region" not in summary and "is not a number" not in summary


def test_warnings_are_worded_with_region_names_in_the_analysts_language(app, analyst_client):
    page = html.unescape(preview(analyst_client, WARNINGS_CSV, "ru"))
    cells = [row for row in rows_of(page) if len(row) == 4]
    assert [
        "3",
        "—",
        "В 1 ячейке(ах) стоит отметка отсутствия данных «-»; прочитано как отсутствие "
        "наблюдения (строки 3).",
        "-",
    ] in cells
    split = next(row for row in cells if row[0] == "2")
    assert split[1] == "Регион"
    assert split[2].startswith("«ВКО» за 2019-05 (значений: 1): KZ-63 Восточно-Казахстанская")
    assert (
        "в то время в эту единицу входила и территория, которая сегодня — KZ-10 Абайская "
        "область (отдельно с 2022-06-08)"
    ) in split[2]
    assert "also covered" not in page

    page = html.unescape(preview(analyst_client, WARNINGS_CSV, "kk"))
    split = next(row for row in rows_of(page) if len(row) == 4 and row[0] == "2")
    assert (
        "ол кезде бүгінгі KZ-10 Абай облысы (2022-06-08 бастап бөлек) аумағын да қамтыған"
        in (split[2])
    )


def test_the_hint_names_the_upload_form_not_a_command_line_option(app, analyst_client):
    content = csv_bytes("Регион;Год;Значение\nАкмолинская область;2023;1")
    for language, field in (("ru", "«Показатель»"), ("kk", "«Көрсеткіш»"), ("en", "Indicator")):
        page = html.unescape(preview(analyst_client, content, language))
        assert "--indicator" not in page, language
        message = next(row[2] for row in rows_of(page) if len(row) == 4)
        assert field in message and "'Регион', 'Год', 'Значение'" in message, language


def test_months_without_a_year_column_say_how_to_give_the_year_from_the_title(app, analyst_client):
    """A bureau's table often has the year only in its title ("Безработица, 2024 год"):
    the page must say to write it into the headers, not only to name a year column that
    the file does not have."""
    content = csv_bytes(
        "Регион;январь;февраль;март\n"
        "Акмолинская область;1,1;1,2;1,3\n"
        "Костанайская область;2,1;2,2;2,3"
    )
    expected = {
        "ru": ("впишите его в заголовки месяцев", "«январь 2024»"),
        "kk": ("ай немесе тоқсан тақырыптарына жазыңыз", "«қаңтар 2024»"),
        "en": ("write it into the month or quarter headers", '"January 2024"'),
    }
    for language, phrases in expected.items():
        page = html.unescape(
            preview(analyst_client, content, language, indicator="registered_unemployment")
        )
        message = next(row[2] for row in rows_of(page) if len(row) == 4)
        for phrase in phrases:
            assert phrase in message, (language, message)
        assert "'Регион', 'январь', 'февраль', 'март'" in message, language


def test_unknown_codes_and_plain_texts_fall_back_to_the_english_text(app):
    from webapp.risk.reader_messages import issue_message, issue_text

    with app.test_request_context(headers={"Accept-Language": "ru"}):
        unknown = {"row": 4, "column": "X", "message": "something new", "code": "new.code"}
        assert issue_message(unknown) == "something new"
        assert issue_message({"message": "old report", "row": None}) == "old report"
        assert issue_text("row 3: stored before codes existed") == (
            "row 3: stored before codes existed"
        )
        broken = {"message": "as written", "code": "region.unknown", "params": {}}
        assert issue_message(broken) == "as written"


def test_warnings_of_an_import_show_in_the_analysts_language_and_old_ones_as_stored(
    app, analyst_client
):
    page_url = None
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post("/risk/imports", data=upload_data(WARNINGS_CSV, "warnings.csv"))
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    with app.app_context():
        item = db.session.scalar(sa.select(StatisticsImport))
        page_url = f"/risk/imports/{item.id}"
        assert item.details["warnings"][0]["code"]
    page = html.unescape(analyst_client.get(page_url).get_data(as_text=True))
    assert "Строка 3: В 1 ячейке(ах) стоит отметка отсутствия данных «-»" in page
    assert "Строка 2, столбец «Регион»: «ВКО» за 2019-05" in page
    with app.app_context():
        item = db.session.scalar(sa.select(StatisticsImport))
        item.details = {**item.details, "warnings": ["row 7: an English warning of 2025"]}
        db.session.commit()
    page = html.unescape(analyst_client.get(page_url).get_data(as_text=True))
    assert "row 7: an English warning of 2025" in page
