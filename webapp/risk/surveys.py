"""Survey-derived indicators: recomputed from the survey answers before every training run.

``webapp.surveys.results`` turns answers into indicator values (shares of respondents per region and
quarter, with n and an interval); here they are stored in ``risk_survey_observations``, a
table that is wiped and rebuilt each time, so it never drifts from the answers.
"""

from __future__ import annotations

import logging

import pandas as pd
import sqlalchemy as sa

from webapp.extensions import db
from webapp.regions.models import Region
from webapp.risk.catalogue import ensure_catalogue
from webapp.risk.imports import observation_rows
from webapp.risk.models import RiskIndicator, RiskSurveyObservation

logger = logging.getLogger(__name__)


def survey_observations() -> pd.DataFrame | None:
    """The survey module's indicator values as contract observations (None without it).

    Values resting on fewer responses than the suppression threshold are left out, as
    everywhere else results are shown: a regional share of three answers says little and
    may identify people.
    """
    try:
        from webapp.surveys.results.services import (
            suppression_threshold,
            survey_indicator_observations,
        )
    except ImportError:
        return None
    return survey_indicator_observations(minimum_n=suppression_threshold())


def recompute_survey_observations() -> int:
    """Rebuild ``risk_survey_observations`` (flushes); returns how many values it holds.

    Values for indicators missing from the catalogue, for unknown regions or at another
    frequency than the catalogue's are left out and logged: they could not be scored.
    Call it with no uncommitted writes in the session: the survey tallies are brought up to
    date on a connection of their own, which SQLite makes wait behind a pending write.
    """
    frame = survey_observations()
    db.session.execute(sa.delete(RiskSurveyObservation))
    if frame is None or frame.empty:
        db.session.flush()
        return 0
    ensure_catalogue()
    frequencies = dict(
        db.session.execute(sa.select(RiskIndicator.code, RiskIndicator.frequency)).all()
    )
    regions = set(db.session.scalars(sa.select(Region.code)))
    rows = []
    skipped = 0
    for row in observation_rows(frame):
        if (
            frequencies.get(row["indicator_code"]) != row["frequency"]
            or row["region_code"] not in regions
        ):
            skipped += 1
            continue
        rows.append(row)
    if skipped:
        logger.warning("%s survey-derived value(s) do not fit the catalogue or regions", skipped)
    if rows:
        db.session.execute(sa.insert(RiskSurveyObservation), rows)
    db.session.flush()
    return len(rows)
