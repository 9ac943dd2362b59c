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
    assert "Events: 0" in page


def test_an_action_filter_is_exact_and_a_group_takes_all_its_actions(
    app, client, make_user, sign_in
):
    admin = make_user("admin")
    with app.app_context():
        record("user.sign_in_failed", "user", "", {"email": "x@example.org"}, actor_email="")
        db.session.commit()
    sign_in(admin)  # a user.sign_in
    page = client.get("/admin/audit/?action=user.sign_in").get_data(as_text=True)
    assert "<code>user.sign_in</code>" in page
    assert "<code>user.sign_in_failed</code>" not in page
    page = client.get("/admin/audit/?action=user.*").get_data(as_text=True)
    assert "<code>user.sign_in</code>" in page and "<code>user.sign_in_failed</code>" in page
    assert 'value="user.*"' in page  # the group is offered


def test_target_type_is_chosen_from_the_types_in_the_log(app, client, make_user, sign_in):
    admin = make_user("admin")
    with app.app_context():
        record("council.create", "council", 4, {}, actor_email="a@example.org")
        db.session.commit()
    sign_in(admin)
    page = client.get("/admin/audit/?target_type=council").get_data(as_text=True)
    assert '<option selected value="council">' in page or '<option value="council" selected' in page
    assert "<code>council.create</code>" in page and "<code>user.sign_in</code>" not in page


def test_admin_downloads_the_filtered_log_as_csv(app, client, make_user, sign_in):
    admin = make_user("admin")
    with app.app_context():
        record("survey.open", "survey", 7, {"slug": "s"}, actor_email="=HYPERLINK(1)@x.org")
        record("risk.promote", "model_run", "r1", {}, actor_email="b@example.org")
        db.session.commit()
    sign_in(admin)
    page = client.get("/admin/audit/?action=survey.open&page=1").get_data(as_text=True)
    assert 'href="/admin/audit/export.csv?action=survey.open"' in page
    response = client.get("/admin/audit/export.csv?action=survey.open")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "occurred_at_utc,actor_email,action,target_type,target_id,details"
    assert len(lines) == 2 and ",survey.open,survey,7," in lines[1]
    assert lines[1].split(",")[1] == "'=HYPERLINK(1)@x.org"  # not run as a formula
    assert "risk.promote" not in response.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        from webapp.audit.models import AuditEvent

        exported = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.export")
        ).one()
        assert exported.details == {"action": "survey.open"}
    assert client.get("/admin/audit/export.csv?action=survey.open").status_code == 200


def test_groups_are_offered_only_where_they_hold_several_actions():
    from webapp.audit.services import action_choices

    actions = ["regions.load", "user.sign_in", "user.sign_in_failed"]
    assert action_choices(actions) == [
        "regions.load",
        "user.*",
        "user.sign_in",
        "user.sign_in_failed",
    ]


def test_a_long_log_pages_with_its_filter_kept(app, client, make_user, sign_in):
    """Every page of a log longer than one page renders, and its links keep the filter."""
    from webapp.audit.views import PAGE_SIZE

    admin = make_user("admin")
    with app.app_context():
        for number in range(PAGE_SIZE + 5):
            record("survey.open", "survey", number, {}, actor_email="analyst@example.org")
        db.session.commit()
    sign_in(admin)
    client.post("/language", data={"language": "ru"})
    first = client.get("/admin/audit/?action=survey.open")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert 'rel="next"' in html and "action=survey.open" in html.split('rel="next"')[0][-200:]
    second = client.get("/admin/audit/?action=survey.open&page=2")
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert html.count("<code>survey.open</code>") >= 5


def test_events_without_a_person_are_named_in_the_page_language(app, client, make_user, sign_in):
    """A command's or the worker's events stood as "(command line or worker)" on kk and ru
    pages; the caption read "1 events" in English."""
    admin = make_user("admin")
    with app.app_context():
        record("risk.training_finished", "job", 4)  # no request: the worker
        db.session.commit()
    sign_in(admin)
    wanted = {
        "en": ("Events: ", "command line or worker"),
        "ru": ("Событий: ", "командная строка или фоновый обработчик"),
        "kk": ("Оқиғалар: ", "пәрмен жолы немесе фондық өңдеуші"),
    }
    for language, (caption, actor) in wanted.items():
        page = client.get(
            "/admin/audit/?action=risk.training_finished", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert f"<caption>{caption}1</caption>" in page, language
        assert f"<td>{actor}</td>" in page, language
        assert "(command line or worker)" not in page, language
