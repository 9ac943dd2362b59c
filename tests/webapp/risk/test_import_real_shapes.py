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
