"""Admins read and filter the audit log."""

from __future__ import annotations

from webapp.audit.services import record
from webapp.extensions import db


def test_admin_filters_audit_log(app, client, make_user, sign_in):
    admin = make_user("admin")
    with app.app_context():
        record("survey.publish", "survey", 7, {"version": 2}, actor_email="analyst@example.org")
        record("statistics.import", "import", 3, {"rows": 40}, actor_email="other@example.org")
        db.session.commit()
    sign_in(admin)
    page = client.get("/admin/audit/?action=survey.publish").get_data(as_text=True)
    assert "<code>survey.publish</code>" in page
    assert "<code>statistics.import</code>" not in page
    page = client.get("/admin/audit/?actor=other").get_data(as_text=True)
    assert "<code>statistics.import</code>" in page
    assert "<code>survey.publish</code>" not in page
    page = client.get("/admin/audit/?date_from=2000-01-01&date_to=2000-01-02").get_data(
        as_text=True
    )
    assert "<code>statistics.import</code>" not in page
    assert "0 events" in page
