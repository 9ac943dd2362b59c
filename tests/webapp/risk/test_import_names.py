"""What the platform writes itself on the import pages is shown in the page's language: the
demo panel's file name, the table layout, the indicators of the coverage table (kk and ru
pages showed "synthetic demo data (seed 2026)", "long" and bare codes)."""

from __future__ import annotations

import html

import sqlalchemy as sa

from webapp.extensions import db
from webapp.risk.catalogue import ensure_catalogue
from webapp.risk.demo import _import_panel
from webapp.risk.models import StatisticsImport


def test_the_demo_import_is_named_in_the_page_language(app, analyst_client):
    with app.app_context():
        ensure_catalogue()
        _import_panel(["KZ-47", "KZ-71"])
        db.session.commit()
        import_id = db.session.scalar(sa.select(StatisticsImport.id))
    expected = {
        "ru": (
            "синтетические демо-данные (начальное значение генератора: 2026)",
            "Длинный: одна строка на регион, период и значение",
            "Жалобы в государственные органы (на 10 000 жителей) <code>complaints_per_10k</code>",
        ),
        "kk": (
            "синтетикалық демо деректер (генератордың бастапқы мәні: 2026)",
            None,
            None,
        ),
    }
    for language, (name, layout, indicator) in expected.items():
        analyst_client.post("/language", data={"language": language})
        listing = html.unescape(analyst_client.get("/risk/imports").get_data(as_text=True))
        detail = html.unescape(
            analyst_client.get(f"/risk/imports/{import_id}").get_data(as_text=True)
        )
        undo = html.unescape(
            analyst_client.get(f"/risk/imports/{import_id}/undo").get_data(as_text=True)
        )
        for page in (listing, detail, undo):
            assert name in page
            assert "synthetic demo data (seed" not in page
        if layout:
            assert f"<dd>{layout}</dd>" in detail
            assert indicator in detail
        assert "<td><code>complaints_per_10k</code></td>" not in detail
    analyst_client.post("/language", data={"language": "en"})
    listing = html.unescape(analyst_client.get("/risk/imports").get_data(as_text=True))
    assert "synthetic demo data (seed 2026)" in listing
