"""An undone import's page says in which zone its undo time is, as it does for its import."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.webapp.risk.conftest import long_csv, upload_data
from webapp.extensions import db
from webapp.risk.models import StatisticsImport


def test_undo_time_is_labelled_utc_like_the_import_time(app, analyst_client, small_panel):
    response = analyst_client.post(
        "/risk/imports", data=upload_data(long_csv(small_panel), "panel.csv")
    )
    analyst_client.post(response.headers["Location"] + "/confirm", data={})
    with app.app_context():
        import_id = db.session.scalar(sa.select(StatisticsImport.id))
    analyst_client.post(f"/risk/imports/{import_id}/undo")
    page = analyst_client.get(f"/risk/imports/{import_id}").get_data(as_text=True)
    assert "Imported (UTC)" in page
    # The page's times are UTC (the platform's zone is five hours later in Almaty): the
    # undo time said nothing and read as local time.
    assert re.search(r"undone on \d{4}-\d\d-\d\d \d\d:\d\d UTC by ", page)
