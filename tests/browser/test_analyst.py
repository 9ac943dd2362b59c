"""An analyst imports a real statistics file, trains a run and publishes it, in a browser."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.conftest import (
    QUICK_TRAINING,
    REPOSITORY,
    AxeAudit,
    LiveApp,
    Steps,
    audit_in_every_language,
    audit_navigation,
    fail_on_serious,
    run_command,
    sign_in,
)
from webapp.extensions import db
from webapp.risk.models import RiskObservation, StatisticsImport, TrainingJob
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


def job_outcome(app: Any, job_id: int) -> tuple[str, str | None]:
    with app.app_context():
        job = db.session.get(TrainingJob, job_id)
        return job.status, job.error


def test_analyst_imports_statistics_trains_and_publishes(
    live_app: LiveApp, open_context: Any, steps: Steps, axe: Callable[..., AxeAudit]
) -> None:
    app = live_app.app
    rates = sample_rates()
    # The demo panel has a 2022 value for every unit: the file replaces them.
    assert len(stored_rates(app, "2022")) == len(rates)
    with app.app_context():
        published_before = published_run_id()
    page = open_context(accessibility=True, **DESKTOP).new_page()
    sign_in(page, live_app.accounts["analyst"])

    with page.expect_navigation():
        page.locator("nav.main-nav a[href$='/risk/imports']").click()
    audits = audit_in_every_language(page, axe, "/risk/imports (upload)")
    upload = page.locator("form[enctype='multipart/form-data']")
    upload.locator("input[type=file]").set_input_files(str(SAMPLE))
    # The file's only value column is "rate": the analyst says which indicator it is.
    upload.locator("select[name=indicator]").select_option(INDICATOR)
    with page.expect_navigation():
        upload.locator("button[type=submit]").click()

    # The check report: what will be stored, and the demo values it would replace.
    assert "/risk/imports/preview/" in page.url
    assert SAMPLE.name in page.locator("h1").inner_text()
    assert page.locator(".error-summary").count() == 0
    report = page.locator("main").inner_text()
    assert f": {len(rates)}" in report  # rows read, values to import
    assert INDICATOR in report
    clashes = page.locator("main table").filter(has_text=INDICATOR).last
    assert clashes.locator("tbody tr").count() == len(rates)
    steps.shot(page, "check-report")
    audits += audit_in_every_language(page, axe, "/risk/imports/preview/… (check report)")
    with app.app_context():
        imports_before = db.session.scalar(sa.select(sa.func.count(StatisticsImport.id)))
    assert stored_rates(app, "2022") != rates, "nothing is stored before confirming"

    confirm = page.locator("form[action$='/confirm']")
    confirm.locator("input[name=replace]").check()
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()
    flash = page.locator(".flash-success").inner_text()
    assert SAMPLE.name in flash and str(len(rates)) in flash
    steps.shot(page, "imported")
    audits.append(axe(page, "/risk/imports/… (import)"))
    assert stored_rates(app, "2022") == rates
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count(StatisticsImport.id))) == imports_before + 1
        )

    # Train a quick run: the page queues it, a worker runs it.
    with page.expect_navigation():
        page.locator("nav.main-nav a[href$='/risk/training']").click()
    audits += audit_in_every_language(page, axe, "/risk/training")
    training = page.locator("form[action$='/risk/training']")
    training.locator("input[name=horizon]").fill(str(QUICK_TRAINING["horizon"]))
    training.locator("input[name=n_origins]").fill(str(QUICK_TRAINING["n_origins"]))
    with page.expect_navigation():
        training.locator("button[type=submit]").click()
    assert "/risk/training/jobs/" in page.url
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert job_outcome(app, job_id)[0] == "queued"
    steps.shot(page, "training-queued")
    # The operator's worker picks the job up (``flask risk worker``).
    worker = run_command(app, "risk", "worker", "--burst")
    assert "after 1 job(s)" in worker, worker
    status, error = job_outcome(app, job_id)
    assert status == "succeeded", error
    page.reload()
    audits.append(axe(page, "/risk/training/jobs/… (job done)"))
    # On a phone the job page (log, run id, data hash) fits the screen: no sideways scrolling.
    desktop = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    page.set_viewport_size(desktop)
    promote = page.locator("a[href*='/promote']")

    # Publishing asks first, then says what changed.
    with page.expect_navigation():
        promote.click()
    run_id = page.url.split("/risk/runs/", 1)[1].split("/", 1)[0]
    assert run_id in page.locator("h1").inner_text()
    if published_before:
        assert published_before in page.locator("main").inner_text()
    steps.shot(page, "publish-confirmation")
    audits.append(axe(page, "/risk/runs/…/promote"))
    with app.app_context():
        assert published_run_id() == published_before, "nothing changes before confirming"
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert run_id in page.locator(".flash-success").inner_text()
    steps.shot(page, "published")
    audits += audit_navigation(page, axe, done={"/risk/imports", "/risk/training"})
    fail_on_serious(audits)
    with app.app_context():
        assert published_run_id() == run_id != published_before


def test_analyst_designs_a_survey_in_the_browser(
    live_app: LiveApp, open_context: Any, steps: Steps, axe: Callable[..., AxeAudit]
) -> None:
    """From scratch to a previewed survey with a choice question, forms only."""
    from webapp.surveys.models import Survey

    app = live_app.app
    page = open_context(accessibility=True, **DESKTOP).new_page()
    sign_in(page, live_app.accounts["analyst"])
    page.goto("/surveys/")
    with page.expect_navigation():
        page.locator("a[href$='/surveys/design/new']").click()
    audits = audit_in_every_language(page, axe, "/surveys/design/new")
    form = page.locator("main form")
    for code, title in (("kk", "Аула"), ("ru", "Двор"), ("en", "Courtyard")):
        form.locator(f"input[name=title_{code}]").fill(title)
    form.locator("input[name=form_id]").fill("courtyard")
    form.locator("input[name=slug]").fill("courtyard-designed")
    form.locator("input[name=question_name]").fill("welcome")
    form.locator("select[name=question_type]").select_option("note")
    form.locator("textarea[name=question_label_en]").fill("Tell us about your courtyard.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith("/design"), page.url
    steps.shot(page, "designer")
    audits.append(axe(page, "/surveys/…/design"))

    with page.expect_navigation():
        page.locator("main a[href$='/design/lists/new']").last.click()
    lists = page.locator("main form.designer-form")
    lists.locator("input[name=name]").fill("clean")
    for row, (name, label) in enumerate((("yes", "Clean"), ("no", "Dirty"))):
        lists.locator(f"input[name=choice-{row}-name]").fill(name)
        lists.locator(f"input[name=choice-{row}-label-en]").fill(label)
    audits.append(axe(page, "/surveys/…/design/lists/new"))
    with page.expect_navigation():
        lists.locator("button.button[type=submit]:not([name])").last.click()

    with page.expect_navigation():
        page.locator("main a[href*='/design/questions/new?page=']").first.click()
    question = page.locator("main form.designer-form")
    question.locator("input[name=name]").fill("tidy")
    question.locator("select[name=type]").select_option("select_one")
    question.locator("select[name=choice_list]").select_option("clean")
    question.locator("textarea[name=label_en]").fill("Is it clean?")
    question.locator("input[name=relevant]").fill("${nowhere} = 'x'")
    with page.expect_navigation():
        question.locator("button[type=submit]").click()
    # Refused: the problem is in the summary and beside the field, nothing was saved.
    assert "nowhere" in page.locator(".error-summary").inner_text()
    assert "nowhere" in page.locator("#relevant-error").inner_text()
    steps.shot(page, "refused-question")
    audits.append(axe(page, "/surveys/…/design/questions/new (refused)"))
    question.locator("input[name=relevant]").fill("")
    with page.expect_navigation():
        question.locator("button[type=submit]").click()
    assert "tidy" in page.locator("main").inner_text()
    # On a phone the overview's tables scroll inside their frame; their visually hidden
    # button names (absolutely positioned) used to widen the page to 411 px.
    desktop = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    page.set_viewport_size(desktop)

    with page.expect_navigation():
        page.locator("main a[href$='/design/preview']").first.click()
    assert "Is it clean?" in page.locator("main").inner_text()
    steps.shot(page, "preview")
    audits.append(axe(page, "/surveys/…/design/preview"))
    fail_on_serious(audits)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "courtyard-designed"))
        definition = survey.current_version.load()
        assert [q.name for q in definition.questions()] == ["welcome", "tidy"]
        assert survey.state == "draft" and len(survey.versions) == 1
