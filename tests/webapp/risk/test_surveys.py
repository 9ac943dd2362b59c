"""Survey-derived indicators: rebuilt from the survey module, imported values win on clashes."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from forecasting.contract import validate_observations
from tests.webapp.risk.conftest import long_csv
from webapp.extensions import db
from webapp.risk.imports import ReaderOptions, confirm_upload, observations_frame, stage_upload
from webapp.risk.models import RiskSurveyObservation
from webapp.risk.services import observations_for
from webapp.risk.surveys import recompute_survey_observations


def survey_frame(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [
        {
            "region": region,
            "period": period,
            "indicator": "survey_trust_local_government",
            "value": value,
            "source": "survey",
            "n": 120.0,
            "lower": value - 5,
            "upper": value + 5,
        }
        for (region, period), value in values.items()
    ]
    return validate_observations(pd.DataFrame(rows))


def test_recompute_replaces_the_table_and_imports_win(app_context, regions, analyst, monkeypatch):
    answers = {("KZ-71", "2026Q2"): 51.0, ("KZ-71", "2026Q3"): 48.0, ("XX-99", "2026Q3"): 1.0}
    monkeypatch.setattr(
        "webapp.surveys.results.services.survey_indicator_observations",
        lambda **_: survey_frame(answers),
    )
    assert recompute_survey_observations() == 2, "an unknown region is left out"
    answers.pop(("KZ-71", "2026Q2"))
    assert recompute_survey_observations() == 1, "the table is rebuilt, not appended to"
    db.session.commit()

    imported = pd.DataFrame(
        {
            "region": ["KZ-71"],
            "period": [pd.Period("2026Q3", freq="Q")],
            "indicator": ["survey_trust_local_government"],
            "value": [60.0],
        }
    )
    upload = stage_upload(long_csv(imported), "trust.csv", ReaderOptions(), analyst)
    confirm_upload(upload.id, analyst)
    db.session.commit()
    frame, summary = observations_frame()
    assert summary["survey_overridden"] == 1 and summary["survey"] == 0
    assert frame["value"].tolist() == [60.0]
    rows = observations_for("KZ-71", "survey_trust_local_government")
    assert [(row.value, row.origin) for row in rows] == [(60.0, "import")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskSurveyObservation)) == 1
