"""Indicator observations from stored responses, and the demo loader on the demo survey."""

from __future__ import annotations

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
from webapp.surveys.results.models import SurveyIndicatorMapping


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
        assert load_demo_indicators().startswith("0 indicator mappings")  # idempotent
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
