"""A national series ("Год;Значение", no region column) on the import pages: read, said to be
national and kept apart, and not imported (only regional values are stored here)."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests.webapp.risk.conftest import csv_bytes, upload_data
from webapp.extensions import db
from webapp.risk.models import StatisticsImport

NATIONAL_CSV = csv_bytes(
    """
Год;Значение
2021;4,9
2022;4,9
2023;4,7
"""
)


def test_a_national_file_is_previewed_as_national_and_not_imported(app, analyst_client):
    analyst_client.post("/language", data={"language": "ru"})
    response = analyst_client.post(
        "/risk/imports",
        data=upload_data(NATIONAL_CSV, "нац.csv", indicator="poverty_share"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    upload_url = response.headers["Location"]
    page = html.unescape(analyst_client.get(upload_url).get_data(as_text=True))
    assert "В таблице нет столбца региона: её значения — общереспубликанский ряд" in page
    assert "не импортируется" in page
    assert "ошиб" not in page.lower()  # no error: the file is fine, only not regional
    assert f"{upload_url}/confirm" not in page  # nothing to import: no import button
    refused = analyst_client.post(upload_url + "/confirm", data={}, follow_redirects=True)
    text = html.unescape(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatisticsImport)) == 0
    assert "В файле нет региональных значений; ничего не импортировано." in text
