"""A public-council member reviews the published risk scores and comments on one region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.conftest import (
    AxeAudit,
    LiveApp,
    Steps,
    audit_in_every_language,
    audit_navigation,
    fail_on_serious,
    sign_in,
)
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


def sort_by(page: Any, key: str) -> None:
    """Click the heading of the column the table sorts by ``key`` (its link's ``sort=``)."""
    with page.expect_navigation():
        page.locator(f"table.scores thead a.sort-link[href*='sort={key}']").click()


def sorted_column(page: Any, direction: str) -> str:
    """The ``sort=`` key of the column heading marked ``aria-sort=direction``."""
    href = page.locator(f"table.scores th[aria-sort={direction}] a").get_attribute("href")
    return href.split("sort=", 1)[1].split("&", 1)[0]


def current_units(app: Any) -> int:
    with app.app_context():
        return sum(1 for region in db.session.scalars(sa.select(Region)) if region.is_current)


def test_council_member_reviews_scores_and_comments(
    published_run: str,
    live_app: LiveApp,
    open_context: Any,
    steps: Steps,
    axe: Callable[..., AxeAudit],
) -> None:
    page = open_context(accessibility=True, **DESKTOP).new_page()
    sign_in(page, live_app.accounts["council_member"])
    # Council members land on the dashboard.
    assert page.url.endswith("/review/")
    units = current_units(live_app.app)
    tiles = page.locator("figure.tilemap svg a")
    assert tiles.count() == units
    assert page.locator("table.scores tbody tr").count() == units
    rows = scores_in_table(page)
    scores = [score for _, score in rows if score is not None]
    assert len(scores) == units, rows
    assert scores == sorted(scores, reverse=True), "highest risk first by default"
    assert sorted_column(page, "descending") == "score"
    assert published_run in page.locator("main").inner_text()
    steps.shot(page, "dashboard")
    audits = audit_in_every_language(page, axe, "/review/ (dashboard)")

    sort_by(page, "region")
    names = [name for name, _ in scores_in_table(page)]
    assert names == sorted(names, key=str.casefold)
    assert sorted_column(page, "ascending") == "region"
    sort_by(page, "score")
    sort_by(page, "score")  # a second click turns the order round
    scores = [score for _, score in scores_in_table(page)]
    assert scores == sorted(scores)
    assert sorted_column(page, "ascending") == "score"
    steps.shot(page, "sorted-by-score-ascending")

    # The riskiest unit, opened from its tile on the map.
    sort_by(page, "score")
    riskiest, score = scores_in_table(page)[0]
    with page.expect_navigation():
        page.locator("figure.tilemap svg").get_by_role("link", name=riskiest).click()
    assert page.locator("h1").inner_text().startswith(riskiest)
    code = page.url.split("/review/regions/", 1)[1].split("?", 1)[0]
    assert page.locator("figure.risk-chart svg").count() >= 1
    steps.shot(page, "region-page")
    audits += audit_in_every_language(page, axe, "/review/regions/… (region page)")

    comments = page.locator("#comments")
    assert comments.locator("li.comment").count() == 0
    needs_discussion = comments.locator("input[name=verdict][value=needs_discussion]")
    verdict = comments.locator(f"label[for='{needs_discussion.get_attribute('id')}']")
    verdict_label = verdict.inner_text().strip()
    verdict.click()  # by its label, as a person would
    assert needs_discussion.is_checked()
    body = "Needs discussion at the next meeting: is the rise real or a change in the data?"
    comments.locator("textarea[name=body]").fill(body)
    with page.expect_navigation():
        comments.locator("form button[type=submit]").click()
    assert page.locator(".flash-success").count() == 1
    [shown] = page.locator("#comments li.comment").all()
    assert verdict_label in shown.locator(".comment-meta").inner_text()
    assert shown.locator(".comment-body").inner_text() == body
    steps.shot(page, "comment-recorded")
    audits.append(axe(page, "/review/regions/… (with a comment)"))
    audits += audit_navigation(page, axe, done={"/review/"})
    fail_on_serious(audits)

    with live_app.app.app_context():
        [stored] = db.session.scalars(sa.select(ScoreComment)).all()
        assert (stored.region_code, stored.verdict, stored.body) == (
            code,
            "needs_discussion",
            body,
        )
        assert stored.author_email == live_app.accounts["council_member"].email
        assert stored.score == pytest.approx(score, abs=0.05)


def test_council_member_reads_the_feedback_summaries(
    live_app: LiveApp, open_context: Any, steps: Steps, axe: Callable[..., AxeAudit]
) -> None:
    """My council, the council's and the state body's feedback summaries, read and audited
    in three languages as a member sees them (withheld figures and hidden counts included)."""
    page = open_context(accessibility=True, **DESKTOP).new_page()
    sign_in(page, live_app.accounts["council_member"])
    page.goto("/council/")
    summary_links = page.locator("main a[href$='/summary']")
    assert summary_links.count() >= 2
    audits = audit_in_every_language(page, axe, "/council/ (my council)")
    for index, label in ((0, "council"), (1, "state body")):
        with page.expect_navigation():
            page.locator("main a[href$='/summary']").nth(index).click()
        main = page.locator("main")
        assert main.locator("h1").count() == 1 and main.locator("dl dd").count() == 2
        assert main.locator("table caption").count() >= 1, "no average ratings table"
        steps.shot(page, f"{label}-summary")
        audits += audit_in_every_language(page, axe, f"/councils/… ({label} summary)")
        page.goto("/council/")
    fail_on_serious(audits)
