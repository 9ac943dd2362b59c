"""Indicator observations from stored responses, and the demo loader on the demo survey."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from forecasting.contract import catalogue_frequencies, validate_observations
from forecasting.index import default_catalogue
from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.results import services
from webapp.surveys.results.demo import DEMO_MAPPINGS, load_demo_indicators
from webapp.surveys.results.indicators import MappingError, wilson_interval
from webapp.surveys.results.models import RegionPopulation, SurveyIndicatorMapping


def test_observations_from_stored_answers(app_context, stored_survey):
    survey = db.session.get(Survey, stored_survey.survey_id)
    services.add_mapping(survey, "survey_trust_local_government", "trust", "share", ["4", "5"])
    services.add_mapping(survey, "household_size", "household", "mean")
    db.session.commit()
    frame = services.survey_indicator_observations(frequency="M")
    row = frame[
        (frame.indicator == "survey_trust_local_government")
        & (frame.region == "KZ-10")
        & (frame.period == pd.Period("2026-01", "M"))
    ].iloc[0]
    answers = [r["answers"] for r in stored_survey.responses("KZ-10", (1,))]
    trusting = sum(a["trust"] in ("4", "5") for a in answers)
    assert row.n == len(answers) == 30
    assert row.value == pytest.approx(100 * trusting / 30)
    assert (row.lower, row.upper) == pytest.approx(wilson_interval(trusting, 30))
    means = frame[frame.indicator == "household_size"]
    assert len(means) == 5  # one per region and month with responses
    # By default periods follow the catalogue: the survey indicators are quarterly.
    quarterly = services.survey_indicator_observations()
    trust = quarterly[quarterly.indicator == "survey_trust_local_government"]
    assert set(trust.period.astype(str)) == {"2026Q1"}
    frequencies = catalogue_frequencies(default_catalogue())
    validate_observations(trust, frequencies=frequencies)


def test_periods_not_yet_ended_are_running_figures_not_observations(
    app_context, stored_survey, monkeypatch
):
    """Answers of January and February 2026: on 15 February, January is an observation,
    February and the quarter 2026Q1 are running figures only."""
    survey = db.session.get(Survey, stored_survey.survey_id)
    services.add_mapping(survey, "survey_trust_local_government", "trust", "share", ["4", "5"])
    db.session.commit()
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 2, 15, 6, 0, tzinfo=UTC))
    monthly = services.survey_indicator_observations(frequency="M")
    assert set(monthly.period.astype(str)) == {"2026-01"}
    values = services.survey_indicator_values(frequency="M", include_national=True)
    assert values.observations.equals(monthly)
    assert set(values.running.period.astype(str)) == {"2026-02"}
    february = [r for r in stored_survey.rows if r["submitted_at"].month == 2]
    assert values.running.n.sum() == len(february)
    # The quarterly default: 2026Q1 is under way, nothing is an observation yet.
    assert services.survey_indicator_observations().empty
    # A ``today`` passed in wins over the clock: after the quarter it is an observation.
    quarterly = services.survey_indicator_observations(today=date(2026, 4, 1))
    assert set(quarterly.period.astype(str)) == {"2026Q1"}
    # "Today" is the day where the survey runs: 19:30 UTC on 31 January is February in Almaty.
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 1, 31, 19, 30, tzinfo=UTC))
    assert services.platform_today() == date(2026, 2, 1)
    assert set(services.survey_indicator_observations(frequency="M").period.astype(str)) == {
        "2026-01"
    }


def test_mapping_refusals_name_the_field(app_context, stored_survey):
    survey = db.session.get(Survey, stored_survey.survey_id)
    with pytest.raises(MappingError, match=r"^codes: 7 not among"):
        services.add_mapping(survey, "x_share", "trust", "share", ["7"])
    with pytest.raises(MappingError, match=r"^method: a mean needs a numeric question"):
        services.add_mapping(survey, "x_mean", "trust", "mean")
    services.add_mapping(survey, "x_share", "trust", "share", ["1"])
    with pytest.raises(MappingError, match=r"^indicator: x_share is already computed"):
        services.add_mapping(survey, "x_share", "trust", "share", ["2"])


def test_demo_loader_maps_the_demo_citizen_survey(app, regions):
    from webapp.surveys.services.demo import load_demo_surveys

    with app.app_context():
        load_demo_surveys(citizen_responses=600, council_responses=10)
        db.session.commit()
        summary = load_demo_indicators()
        db.session.commit()
        assert summary.startswith(f"{len(DEMO_MAPPINGS)} indicator mappings")
        # Idempotent, and a later start says what is there, not "0 mappings, 0 regions".
        populations = db.session.scalar(sa.select(sa.func.count()).select_from(RegionPopulation))
        assert populations == 20
        assert load_demo_indicators() == (
            f"already loaded: {len(DEMO_MAPPINGS)} indicator mappings, populations of 20 regions"
        )
        codes = set(db.session.scalars(sa.select(SurveyIndicatorMapping.indicator_code)))
        catalogue = default_catalogue()
        assert codes <= set(catalogue.loc[catalogue.source == "survey", "code"])
        frame = services.survey_indicator_observations(include_national=True)
        validate_observations(frame, frequencies=catalogue_frequencies(catalogue))
        assert codes == set(frame.indicator)
        national = frame[frame.region == services.NATIONAL_CODE]
        regional = frame[frame.region != services.NATIONAL_CODE]
        assert not national.empty and not regional.empty
        # Kish's effective n of the weighted national value is below the raw count.
        period = national.period.iloc[0]
        indicator = national.indicator.iloc[0]
        raw = regional[(regional.period == period) & (regional.indicator == indicator)].n.sum()
        assert 0 < national.iloc[0].n < raw


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=2)
def test_after_the_demo_loaders_the_risk_review_defaults_to_an_ended_period(
    app, regions, monkeypatch
):
    """`make run` on 29 November 2026: the demo answers run up to that day, the quarter
    2026Q4 is under way. Its running figure once became an observation, scored as December,
    and the council's review opened on 2026-12, a month that had not begun."""
    from forecasting.demo import generate_panel
    from tests.webapp.risk.conftest import SMALL_INDICATORS, SMALL_REGIONS
    from webapp.review.services import build_dashboard
    from webapp.risk.demo import load_demo
    from webapp.risk.models import RiskSurveyObservation
    from webapp.risk.services import published_run
    from webapp.surveys.services.demo import load_demo_surveys

    def small_panel(seed: int, regions: list[str]):
        observations, catalogue = generate_panel(seed=seed, regions=SMALL_REGIONS, months=24)
        return observations[observations["indicator"].isin(SMALL_INDICATORS)], catalogue

    now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    today = date(2026, 11, 29)
    monkeypatch.setattr("webapp.surveys.services.demo.utcnow", lambda: now)
    monkeypatch.setattr(services, "utcnow", lambda: now, raising=False)
    monkeypatch.setattr("webapp.risk.demo.generate_panel", small_panel)
    with app.app_context():
        load_demo_surveys(citizen_responses=600, council_responses=5)
        db.session.commit()
        load_demo_indicators()
        db.session.commit()
        assert "trained and published" in load_demo()
        db.session.commit()
        dashboard = build_dashboard(published_run(), "en")
        assert pd.Period(dashboard.period).end_time.date() < today, dashboard.period
        assert dashboard.period == "2026-10", "the last month of official data, ended"
        stored = db.session.execute(
            sa.select(RiskSurveyObservation.period, RiskSurveyObservation.period_end)
        ).all()
        assert stored and max(end for _, end in stored) == date(2026, 9, 30)
        # The quarter under way is still there for the analysts, as a running figure.
        running = services.survey_indicator_values(minimum_n=2).running
        assert set(running.period.astype(str)) == {"2026Q4"}, "the demo answers reach today"
