"""Printable reports and the CSV of scores (an audit-logged export)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from tests.webapp.review.conftest import PUBLISHED, UNPUBLISHED
from tests.webapp.review.materialised import expected_score


def test_country_report_is_printable(client_for, published):
    response = client_for("council_member").get("/review/report?period=2022")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Country risk report, 2022" in page
    assert 'media="print"' in page and "review.css" in page
    assert page.count('<g class="tile ') == 20
    assert page.count('<th scope="row">') >= 20


def test_region_report_is_printable(client_for, published):
    page = client_for("analyst").get("/review/regions/KZ-11/report").get_data(as_text=True)
    assert "Risk report: Akmola Region" in page
    assert '<details class="chart-data">' not in page  # printed tables are never folded
    assert "Score by period: observed and forecast" in page


def test_scores_csv_holds_every_published_score_and_is_audited(app, client_for, published):
    response = client_for("council_member").get("/review/scores.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 20 * 5
    assert {row["run_id"] for row in rows} == {PUBLISHED}
    assert UNPUBLISHED not in text
    row = next(r for r in rows if r["region_code"] == "KZ-11" and r["period"] == "2020")
    index = published.regions.index("KZ-11")
    assert float(row["score"]) == expected_score(index, 1)
    assert float(row["domain_trust_in_state"]) == expected_score(index, 1) - 0.5
    assert row["region_name"] == "Akmola Region"

    from webapp.audit.models import AuditEvent
    from webapp.extensions import db

    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "export.risk_scores")
        )
        assert event is not None and event.target_id == PUBLISHED
        assert event.details["rows"] == 100


def test_csv_names_follow_the_language(client_for, published):
    response = client_for("analyst").get("/review/scores.csv", headers={"Accept-Language": "ru"})
    assert "г. Алматы" in response.get_data(as_text=True)


def test_csv_without_a_published_run_is_404(client_for, regions):
    assert client_for("analyst").get("/review/scores.csv").status_code == 404
