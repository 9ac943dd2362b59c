"""The analyst's pages on files as Excel and the statistics bureau save them."""

from __future__ import annotations

import io


def test_a_catalogue_saved_by_excel_in_a_russian_locale(app, analyst_client):
    """Semicolons, Windows-1251 and a decimal comma: how Excel saves "CSV" in ru/kk locales."""
    content = (
        "code;name_ru;name_en;unit;direction;domain;weight;frequency;source\r\n"
        "housing_queue;Очередь на жильё;Housing queue;per 10,000;1;social_tension;0,5;Y;МИО\r\n"
    ).encode("cp1251")
    response = analyst_client.post(
        "/risk/catalogue", data={"file": (io.BytesIO(content), "c.csv")}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "1 added" in page, page[:2000]
    assert "Housing queue" in page


def test_a_second_table_on_the_sheet_is_named_in_russian(app, analyst_client, tmp_path):
    from tests.forecasting.test_readers_real_shapes import two_tables_workbook
    from tests.webapp.risk.conftest import upload_data

    content = two_tables_workbook(tmp_path / "two.xlsx").read_bytes()
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post(
        "/risk/imports", data=upload_data(content, "two.xlsx", indicator="unemployment_rate")
    )
    page = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Строка 7 повторяет заголовок: со строки 6 начинается вторая" in page


def test_the_preview_says_which_sheet_was_read(app, analyst_client, tmp_path):
    from tests.forecasting.test_readers_real_shapes import bureau_workbook
    from tests.webapp.risk.conftest import upload_data

    content = bureau_workbook(tmp_path / "bulletin.xlsx").read_bytes()
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post(
        "/risk/imports", data=upload_data(content, "b.xlsx", indicator="unemployment_rate")
    )
    page = analyst_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Прочитан лист «1.1» — первый с таблицей" in page
    assert "укажите его имя в поле «Лист»" in page
