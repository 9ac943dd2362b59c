"""An analyst imports a real statistics file, trains a run and publishes it, in a browser."""

from __future__ import annotations

import csv
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.conftest import REPOSITORY, LiveApp, Steps, run_command, sign_in
from webapp.extensions import db
from webapp.risk.models import RiskObservation, StatisticsImport
from webapp.risk.services import published_run_id

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: stat.gov.kz's 2022 unemployment rate by region, as published (see notebooks/data).
SAMPLE = REPOSITORY / "notebooks" / "data" / "kz_unemployment_2022.csv"
INDICATOR = "unemployment_rate"


def sample_rates() -> list[float]:
    with SAMPLE.open(encoding="utf-8") as handle:
        return sorted(float(row["rate"]) for row in csv.DictReader(handle))


def stored_rates(app: Any, period: str) -> list[float]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(RiskObservation.value).where(
                    RiskObservation.indicator_code == INDICATOR, RiskObservation.period == period
                )
            )
        )


def test_analyst_imports_statistics_trains_and_publishes(
    live_app: LiveApp, open_context: Any, steps: Steps
) -> None:
    app = live_app.app
    rates = sample_rates()
    # The demo panel has a 2022 value for every unit: the file replaces them.
    assert len(stored_rates(app, "2022")) == len(rates)
    with app.app_context():
        published_before = published_run_id()
    page = open_context(**DESKTOP).new_page()
    sign_in(page, live_app.accounts["analyst"])

    with page.expect_navigation():
        page.locator("nav.main-nav").get_by_role("link", name="Statistics").click()
    page.get_by_label("Statistics file").set_input_files(str(SAMPLE))
    # The file's only value column is "rate": the analyst says which indicator it is.
    page.get_by_label("Indicator", exact=True).select_option(INDICATOR)
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()

    # The check report: what will be stored, and the demo values it would replace.
    assert page.locator("h1").inner_text() == f"Check the file: {SAMPLE.name}"
    report = page.locator("main").inner_text()
    assert f"Data rows read: {len(rates)}" in report
    assert f"Values to import: {len(rates)}" in report
    assert page.locator(".error-summary").count() == 0
    holds = page.get_by_role("table", name="What the file holds")
    assert INDICATOR in holds.inner_text()
    assert f"Values already stored: {len(rates)}" in report
    steps.shot(page, "check-report")
    with app.app_context():
        imports_before = db.session.scalar(sa.select(sa.func.count(StatisticsImport.id)))
    assert stored_rates(app, "2022") != rates, "nothing is stored before confirming"

    page.get_by_label("Replace values that are already stored", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Import {len(rates)} values").click()
    flash = page.locator(".flash-success").inner_text()
    assert flash.startswith(f"Imported {len(rates)} values from {SAMPLE.name}")
    steps.shot(page, "imported")
    assert stored_rates(app, "2022") == rates
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count(StatisticsImport.id))) == imports_before + 1
        )

    # Train a quick run: the page queues it, a worker runs it.
    with page.expect_navigation():
        page.locator("nav.main-nav").get_by_role("link", name="Models").click()
    page.get_by_label("Forecast horizon (periods ahead)").fill("1")
    page.get_by_label("Backtest origins").fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Start training").click()
    assert page.locator("h1").inner_text().startswith("Training job #")
    assert "queued" in page.locator("main").inner_text()
    steps.shot(page, "training-queued")
    worker = run_command(app, "risk", "worker", "--burst")
    assert "after 1 job(s)" in worker, worker
    page.reload()
    main = page.locator("main").inner_text()
    assert "succeeded" in main, main[:2000]

    # Publishing asks first, then says what changed.
    with page.expect_navigation():
        page.get_by_role("link", name="Publish this run…").click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Publish run ") and heading.endswith("?")
    run_id = heading.removeprefix("Publish run ").removesuffix("?")
    assert f"Currently published: {published_before}" in page.locator("main").inner_text()
    steps.shot(page, "publish-confirmation")
    with app.app_context():
        assert published_run_id() == published_before, "nothing changes before confirming"
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, publish").click()
    assert page.locator(".flash-success").inner_text() == f"Run {run_id} is now published."
    steps.shot(page, "published")
    with app.app_context():
        assert published_run_id() == run_id != published_before
