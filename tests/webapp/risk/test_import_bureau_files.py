"""The analyst's web import on workbooks shaped like the statistics bureau's exports."""

from __future__ import annotations

import html
import io

import openpyxl
import sqlalchemy as sa

from tests.webapp.risk.conftest import upload_data
from webapp.extensions import db
from webapp.risk.models import RiskObservation, StatisticsUpload


def taldau_workbook(rows: list[list[object]]) -> bytes:
    """Title, unit row, "2022 г." headers, the given rows, a merged footnote."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Таблица 1", None, "в процентах"])
    sheet.append(["Уровень безработицы"])
    sheet.merge_cells("A2:C2")
    sheet.append([None, "2022 г.", "2023ж.*"])
    sheet.append(["РЕСПУБЛИКА КАЗАХСТАН", "4,9", "4,7*"])
    for row in rows:
        sheet.append(row)
    sheet.append(["* предварительные данные"])
    sheet.merge_cells(f"A{sheet.max_row}:C{sheet.max_row}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stored(app) -> set[tuple[str, str, float]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(RiskObservation.region_code, RiskObservation.period, RiskObservation.value)
        ).all()
    return {(region, str(period), value) for region, period, value in rows}


def test_a_taldau_workbook_is_previewed_and_imported(app, analyst_client):
    content = taldau_workbook(
        [
            ["Абайская", "х", "4,4*"],
            ["Шымкент г.а.", "5,1", "–"],
            ["г.Астана", "4,6", "4,5*"],
        ]
    )
    response = analyst_client.post(
        "/risk/imports",
        data=upload_data(content, "taldau.xlsx", indicator="unemployment_rate"),
    )
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = analyst_client.get(preview_url).get_data(as_text=True)
    assert "Import 4 values" in page, page
    assert "* предварительные данные" in page  # the skipped footnote row is named
    assert stored(app) == set()

    analyst_client.post(preview_url + "/confirm", data={})
    with app.app_context():
        periods = {str(period) for period in db.session.scalars(sa.select(RiskObservation.period))}
    assert len(stored(app)) == 4
    assert {(region, value) for region, _, value in stored(app)} == {
        ("KZ-10", 4.4),
        ("KZ-79", 5.1),
        ("KZ-71", 4.6),
        ("KZ-71", 4.5),
    }
    assert len(periods) == 2


def test_a_city_inside_a_region_stops_the_whole_workbook(app, analyst_client):
    content = taldau_workbook([["Карагандинская", "4,1", "4,0"], ["г.Караганда", "4,3", "4,2"]])
    response = analyst_client.post(
        "/risk/imports",
        data=upload_data(content, "karaganda.xlsx", indicator="unemployment_rate"),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "cannot be imported" in page
    assert "г.Караганда" in page and "a city inside a region is not a first-level unit" in page
    assert "<td>6</td>" in page  # the row number as the spreadsheet shows it
    assert "/confirm" not in page
    assert stored(app) == set()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatisticsUpload)) == 1


def preview_page(client, content: bytes, name: str, language: str, **options) -> str:
    client.post("/language", data={"language": language})
    response = client.post("/risk/imports", data=upload_data(content, name, **options))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_towns_and_districts_of_a_region_block_are_named_in_russian(app, analyst_client):
    content = taldau_workbook(
        [
            ["Акмолинская", "4,4", "4,3"],
            ["Абайская", "4,5", "4,4"],
            ["г.Астана", "4,6", "4,5"],
            ["Алматинская", "4,1", "4,0"],
            ["г. Талдыкорган", "4,3", "4,2"],
            ["Каратальский район", "3,9", "3,8"],
            ["г. Алмата", "5,0", "4,9"],
        ]
    )
    page = html.unescape(
        preview_page(analyst_client, content, "almaty.xlsx", "ru", indicator="unemployment_rate")
    )
    assert (
        "Неизвестный регион «г. Талдыкорган» в строках: 1: это название города, а такого "
        "города в списке регионов нет: города и районы внутри области — ниже первого уровня"
    ) in page
    assert "Неизвестный регион «Каратальский район» в строках: 1: это название района" in page
    (hint,) = [line for line in page.splitlines() if "«г. Алмата»" in line]
    assert "г. Алматы" in hint and "Алматинская" not in hint  # cities only: it says "г."
    assert "/confirm" not in page
    assert stored(app) == set()


def test_academic_year_headers_are_named_in_kazakh(app, analyst_client):
    content = "Регион;2019/2020;2020/2021\nАкмолинская область;10;11\n".encode("cp1251")
    page = html.unescape(
        preview_page(analyst_client, content, "school.csv", "kk", indicator="unemployment_rate")
    )
    assert "'2019/2020', '2020/2021' баған тақырыптары екі жылды біріктіреді" in page
    assert "(2019/2020: 2020)" in page


def test_a_missing_indicator_beside_other_numbers_points_to_the_wide_indicator_layout(
    app, analyst_client
):
    """Grunfeld's shape (value beside invest, capital): the CLI names --layout
    wide-indicator, the page the Layout field's choice, in Russian."""
    content = (
        "region,year,value,invest,capital\n"
        "Akmola Region,2020,1,2,3\nAkmola Region,2021,1,2,3\nг. Алматы,2020,1,2,3\n"
    ).encode()
    page = html.unescape(preview_page(analyst_client, content, "grunfeld.csv", "ru"))
    assert "рядом с 'invest', 'capital'" in page
    assert "выберите «Широкий: столбец на каждый показатель» в поле «Структура»" in page
