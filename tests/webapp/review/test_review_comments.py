"""Council comments on scores: tied to the run and period, refused without a score, answered."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.webapp.review.conftest import PUBLISHED, UNPUBLISHED
from tests.webapp.review.materialised import activate


def stored_comments(app):
    from webapp.extensions import db
    from webapp.review.models import ScoreComment

    with app.app_context():
        return [
            (comment.run_id, comment.region_code, comment.period, comment.verdict, comment.body)
            for comment in db.session.scalars(sa.select(ScoreComment).order_by(ScoreComment.id))
        ]


def test_a_council_member_comments_on_a_score(app, client_for, published):
    client = client_for("council_member")
    response = client.post(
        "/review/regions/KZ-75",
        data={"period": "2022", "verdict": "disagree", "body": "Unemployment fell last spring."},
    )
    assert response.status_code == 302
    assert stored_comments(app) == [
        (PUBLISHED, "KZ-75", "2022", "disagree", "Unemployment fell last spring.")
    ]
    assert response.headers["Location"].endswith("#comments")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # The page opens at the comments, so the confirmation is there, not at the page's top
    # where the council member would not see it.
    comments = page[page.index('<section id="comments"') :]
    assert page.count("Your comment was recorded.") == 1
    assert "Your comment was recorded." in comments
    assert "Unemployment fell last spring." in comments
    from webapp.audit.models import AuditEvent
    from webapp.extensions import db

    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert "review.comment" in actions


def test_a_period_without_a_score_is_refused_with_a_reason(app, client_for, published):
    client = client_for("council_member")
    response = client.post(
        "/review/regions/KZ-75", data={"period": "2024", "verdict": "agree", "body": ""}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "has no score for this unit in 2024" in page
    assert stored_comments(app) == []


def test_the_service_refuses_periods_the_published_run_did_not_score(app, published):
    from webapp.extensions import db
    from webapp.regions.models import Region
    from webapp.review.comments import CommentRefused, add_comment
    from webapp.risk.models import RiskModelRun

    with app.test_request_context():
        run = db.session.get(RiskModelRun, PUBLISHED)
        region = db.session.get(Region, "KZ-75")
        with pytest.raises(CommentRefused, match="2024"):
            add_comment(run, region, "2024", "agree", "", None)
        with pytest.raises(CommentRefused):
            add_comment(run, region, "2023", "maybe", "", None)


def test_a_missing_verdict_is_refused(app, client_for, published):
    response = client_for("council_member").post(
        "/review/regions/KZ-75", data={"period": "2023", "body": "no verdict"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose agree, disagree or needs discussion." in page
    assert stored_comments(app) == []
    # The page's summary, not the browser's own bubble (in the browser's language), says so,
    # and its link leads to the verdict's fieldset.
    assert re.search(
        r'<form method="post" class="form narrow" action="[^"]*#comments" novalidate>', page
    )
    assert '<a href="#verdict">' in page and 'id="verdict"' in page


def test_only_council_members_comment(app, client_for, published):
    for role in ("analyst", "admin"):
        response = client_for(role).post(
            "/review/regions/KZ-75", data={"period": "2023", "verdict": "agree"}
        )
        assert response.status_code == 403, role
    assert stored_comments(app) == []


def test_analysts_list_filter_and_answer_comments(app, client_for, published):
    council = client_for("council_member")
    for region, verdict in (("KZ-75", "agree"), ("KZ-71", "needs_discussion")):
        council.post(
            f"/review/regions/{region}",
            data={"period": "2023", "verdict": verdict, "body": f"about {region}"},
        )
    analyst = client_for("analyst")
    page = analyst.get("/review/comments").get_data(as_text=True)
    assert "about KZ-75" in page and "about KZ-71" in page and "Comments: 2" in page
    page = analyst.get("/review/comments?verdict=needs_discussion").get_data(as_text=True)
    assert "about KZ-71" in page and "about KZ-75" not in page
    page = analyst.get("/review/comments?region=KZ-75&status=open").get_data(as_text=True)
    assert "about KZ-75" in page and "Comments: 1" in page

    from webapp.extensions import db
    from webapp.review.models import ScoreComment

    with app.app_context():
        comment_id = db.session.scalar(
            sa.select(ScoreComment.id).where(ScoreComment.region_code == "KZ-75")
        )
    response = analyst.post(f"/review/comments/{comment_id}", data={"body": "Thank you, noted."})
    assert response.status_code == 302
    page = analyst.get("/review/comments?status=answered").get_data(as_text=True)
    assert "about KZ-75" in page and "about KZ-71" not in page
    # The council sees the answer under its comment.
    page = council.get("/review/regions/KZ-75").get_data(as_text=True)
    assert "Thank you, noted." in page
    assert analyst.post(f"/review/comments/{comment_id}", data={"body": " "}).status_code == 400


def test_council_members_cannot_open_the_analysts_list(client_for, published):
    client = client_for("council_member")
    assert client.get("/review/comments").status_code == 403


def test_comments_stay_with_the_run_they_judged(app, client_for, published):
    council = client_for("council_member")
    council.post("/review/regions/KZ-75", data={"period": "2023", "verdict": "agree"})
    from webapp.extensions import db

    with app.app_context():
        activate(UNPUBLISHED)  # another run is published: the comment does not move to it
        db.session.commit()
    assert stored_comments(app)[0][0] == PUBLISHED
    page = council.get("/review/regions/KZ-75").get_data(as_text=True)
    assert f"on an earlier model run ({PUBLISHED})" in page
    report = council.get("/review/regions/KZ-75/report").get_data(as_text=True)
    assert "Agree" not in report.split('id="report-comments-title"', 1)[1]


@pytest.mark.parametrize(
    ("language", "caption", "missing"),
    [
        ("en", "Comments: 1", "Reply: Write a reply before sending it."),
        ("ru", "Комментариев: 1", "Ответ: "),
        ("kk", "Пікірлер: 1", "Жауап: "),
    ],
)
def test_an_empty_reply_is_refused_by_the_page_in_its_language(
    app, client_for, published, language, caption, missing
):
    """The reply form had no novalidate: the browser's own bubble, in the browser's language,
    stopped an empty reply before the page's summary could name the field. The list's caption
    read "1 comments" in English."""
    client_for("council_member").post(
        "/review/regions/KZ-75", data={"period": "2023", "verdict": "agree", "body": "one"}
    )
    analyst = client_for("analyst")
    headers = {"Accept-Language": language}
    listing = analyst.get("/review/comments", headers=headers).get_data(as_text=True)
    assert f"<caption>{caption}</caption>" in listing
    comment_id = re.search(r'href="/review/comments/(\d+)"', listing).group(1)
    page = analyst.get(f"/review/comments/{comment_id}", headers=headers).get_data(as_text=True)
    assert re.search(r'<form method="post" class="form narrow" novalidate>', page)
    refused = analyst.post(f"/review/comments/{comment_id}", data={"body": ""}, headers=headers)
    assert refused.status_code == 400
    summary = refused.get_data(as_text=True).split('class="error-summary"', 1)[1]
    assert f'<a href="#body">{missing}' in summary


def test_comment_times_name_their_zone(app, client_for, published):
    """Times were shown in Almaty time with nothing saying so: a reader elsewhere took
    "14:05" for their own time. Written 09:05 UTC, the comment shows 14:05 and its zone."""
    from datetime import UTC, datetime

    from webapp.extensions import db
    from webapp.review.models import ScoreComment

    council, analyst = client_for("council_member"), client_for("analyst")
    council.post("/review/regions/KZ-75", data={"period": "2022", "verdict": "agree", "body": "Ok"})
    with app.app_context():
        comment = db.session.scalars(sa.select(ScoreComment)).one()
        comment.created_at = datetime(2026, 11, 29, 9, 5, tzinfo=UTC)
        db.session.commit()
        comment_id = comment.id
    zones = {
        "en": ("2:05\u202fPM", "(Almaty time, UTC+5)"),
        "ru": ("14:05", "(по времени Алматы, UTC+5)"),
        "kk": ("14:05", "(Алматы уақытымен, UTC+5)"),
    }
    for language, (time, zone) in zones.items():
        for client in (council, analyst):
            client.post("/language", data={"language": language})
        pages = {
            "region": council.get("/review/regions/KZ-75").get_data(as_text=True),
            "report": council.get("/review/regions/KZ-75/report").get_data(as_text=True),
            "list": analyst.get("/review/comments").get_data(as_text=True),
            "comment": analyst.get(f"/review/comments/{comment_id}").get_data(as_text=True),
        }
        for name, page in pages.items():
            assert f"{time} {zone}" in page, (language, name)
