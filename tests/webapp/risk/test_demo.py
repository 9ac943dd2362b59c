"""The demo loader: a synthetic import, one trained and published run, and nothing twice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from forecasting.demo import generate_panel
from tests.webapp.risk.conftest import SMALL_INDICATORS, SMALL_REGIONS
from webapp.extensions import db
from webapp.risk import services
from webapp.risk.demo import load_demo
from webapp.risk.models import StatisticsImport, TrainingJob


def small_panel_generator(seed: int, regions: list[str]):
    """The demo panel cut to the test size (training the full panel takes a minute)."""
    assert len(regions) == 20
    observations, catalogue = generate_panel(seed=seed, regions=SMALL_REGIONS, months=24)
    return observations[observations["indicator"].isin(SMALL_INDICATORS)], catalogue


def test_demo_loader_publishes_one_synthetic_run_once(app, regions, monkeypatch):
    monkeypatch.setattr("webapp.risk.demo.generate_panel", small_panel_generator)
    with app.app_context():
        summary = load_demo()
        db.session.commit()
        assert "trained and published" in summary, summary
        run = services.published_run()
        assert run is not None and run.is_synthetic
        assert {score.region_code for score in services.scores_for(run.run_id)} == set(
            SMALL_REGIONS
        )
        statistics_import = db.session.scalar(sa.select(StatisticsImport))
        assert statistics_import.kind == "synthetic"
        assert "synthetic" in statistics_import.filename

        again = load_demo()
        db.session.commit()
        assert "already imported" in again and "already published" in again
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatisticsImport)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingJob)) == 1
        assert services.published_run_id() == run.run_id


def test_demo_loader_waits_for_regions(app_context):
    assert load_demo().startswith("skipped")


def test_worker_command_runs_queued_jobs(app, runner, analyst, monkeypatch):
    from webapp.risk import jobs

    monkeypatch.setattr(
        "webapp.risk.training.train_from_database",
        lambda options, progress: (_ for _ in ()).throw(RuntimeError("no data in this test")),
    )
    with app.app_context():
        jobs.enqueue_training(analyst, {})
    result = runner.invoke(args=["risk", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "after 1 job(s)" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(TrainingJob.status)) == "failed"


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=2)
def test_demo_loaders_in_order_give_the_run_survey_derived_values(app, regions, monkeypatch):
    """`flask demo load` runs surveys, their indicators, then risk in one process: the risk
    loader must see the survey answers stored just before (it once counted none on SQLite)."""
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.surveys import recompute_survey_observations
    from webapp.surveys.results.demo import load_demo_indicators
    from webapp.surveys.services.demo import load_demo_surveys

    monkeypatch.setattr("webapp.risk.demo.generate_panel", small_panel_generator)
    with app.app_context():
        load_demo_surveys(citizen_responses=600, council_responses=5)
        db.session.commit()
        load_demo_indicators()
        db.session.commit()
        summary = load_demo()
        db.session.commit()
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(RiskSurveyObservation))
        assert f"; {stored} survey-derived value(s);" in summary, summary
        assert stored > 0
        assert recompute_survey_observations() == stored
