"""A public-council member reviews the published risk scores and comments on one region."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.conftest import LiveApp, Steps, sign_in
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.review.models import ScoreComment

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: Unit names and scores of the table, in the order shown ("—" when a unit has no score).
TABLE_ROWS = """() => [...document.querySelectorAll('table.scores tbody tr')].map(row => [
  row.querySelector('th').textContent.trim(),
  row.querySelector('td.number').textContent.trim(),
])"""


def scores_in_table(page: Any) -> list[tuple[str, float | None]]:
    rows = page.evaluate(TABLE_ROWS)
    return [(name, None if score in ("—", "") else float(score)) for name, score in rows]


def sort_by(page: Any, column: str) -> None:
    with page.expect_navigation():
        page.locator("table.scores thead").get_by_role("link", name=column).click()


def current_units(app: Any) -> int:
    with app.app_context():
        return sum(1 for region in db.session.scalars(sa.select(Region)) if region.is_current)


def test_council_member_reviews_scores_and_comments(
    live_app: LiveApp, open_context: Any, steps: Steps
) -> None:
    page = open_context(**DESKTOP).new_page()
    sign_in(page, live_app.accounts["council_member"])
    # Council members land on the dashboard.
    assert page.url.endswith("/review/")
    assert page.locator("h1").inner_text() == "Risk review"
    units = current_units(live_app.app)
    tiles = page.locator("figure.tilemap svg a")
    assert tiles.count() == units
    assert page.locator("table.scores tbody tr").count() == units
    rows = scores_in_table(page)
    scores = [score for _, score in rows if score is not None]
    assert len(scores) == units, rows
    assert scores == sorted(scores, reverse=True), "highest risk first by default"
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Score")
    steps.shot(page, "dashboard")

    sort_by(page, "Unit")
    names = [name for name, _ in scores_in_table(page)]
    assert names == sorted(names, key=str.casefold)
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Unit")
    sort_by(page, "Score (0–10)")
    sort_by(page, "Score (0–10)")  # a second click turns the order round
    scores = [score for _, score in scores_in_table(page)]
    assert scores == sorted(scores)
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Score")
    steps.shot(page, "sorted-by-score-ascending")

    # The riskiest unit, opened from its tile on the map.
    sort_by(page, "Score (0–10)")
    riskiest, score = scores_in_table(page)[0]
    with page.expect_navigation():
        page.locator("figure.tilemap svg").get_by_role("link", name=riskiest).click()
    assert page.locator("h1").inner_text().startswith(riskiest)
    code = page.url.split("/review/regions/", 1)[1].split("?", 1)[0]
    assert page.locator("figure.risk-chart svg").count() >= 1
    steps.shot(page, "region-page")

    comments = page.locator("#comments")
    assert "No comments yet." in comments.inner_text()
    comments.get_by_label("Needs discussion").check()
    body = "Needs discussion at the next meeting: is the rise real or a change in the data?"
    comments.get_by_label("Comment", exact=True).fill(body)
    with page.expect_navigation():
        comments.get_by_role("button", name="Send comment").click()
    assert page.locator(".flash-success").inner_text() == "Your comment was recorded."
    [shown] = page.locator("#comments li.comment").all()
    assert "Needs discussion" in shown.locator(".comment-meta").inner_text()
    assert shown.locator(".comment-body").inner_text() == body
    steps.shot(page, "comment-recorded")

    with live_app.app.app_context():
        [stored] = db.session.scalars(sa.select(ScoreComment)).all()
        assert (stored.region_code, stored.verdict, stored.body) == (
            code,
            "needs_discussion",
            body,
        )
        assert stored.author_email == live_app.accounts["council_member"].email
        assert stored.score == pytest.approx(score, abs=0.05)
