"""Read-only queries over the risk domain's materialised tables, shaped for the review pages.

Everything here reads one run's rows: callers pass the published run (``published_run``), so
councils and the open-data API never see a run that is not in force.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.risk import services as risk_services
from webapp.risk.models import (
    RiskDomain,
    RiskForecast,
    RiskIndicator,
    RiskModelRun,
    RiskObservation,
    RiskRankInterval,
    RiskScore,
    RiskScoreContribution,
    RiskSurveyObservation,
)

SCORE_TARGET = "score"


#: The run in force (the registry's active run, its outputs materialised), or None.
published_run = risk_services.published_run
#: One unit's scores in a run, oldest first.
score_history = risk_services.score_history


@dataclass(frozen=True)
class PeriodRef:
    period: str
    start: date


def scored_periods(run_id: str) -> list[PeriodRef]:
    """Periods the run scored, oldest first."""
    rows = db.session.execute(
        sa.select(RiskScore.period, sa.func.min(RiskScore.period_start))
        .where(RiskScore.run_id == run_id)
        .group_by(RiskScore.period)
        .order_by(sa.func.min(RiskScore.period_start))
    )
    return [PeriodRef(period, start) for period, start in rows]


def previous_period(periods: Sequence[PeriodRef], period: str) -> str | None:
    names = [ref.period for ref in periods]
    if period not in names:
        return None
    position = names.index(period)
    return names[position - 1] if position > 0 else None


def scores_for_period(run_id: str, period: str) -> dict[str, RiskScore]:
    """Region code -> score row of one period."""
    rows = db.session.scalars(
        sa.select(RiskScore).where(RiskScore.run_id == run_id, RiskScore.period == period)
    )
    return {row.region_code: row for row in rows}


def score_forecasts(run_id: str, region_code: str | None = None) -> dict[str, list[RiskForecast]]:
    """Region code -> forecasts of the overall score, nearest period first."""
    query = (
        sa.select(RiskForecast)
        .where(RiskForecast.run_id == run_id, RiskForecast.target == SCORE_TARGET)
        .order_by(RiskForecast.region_code, RiskForecast.period_start)
    )
    if region_code is not None:
        query = query.where(RiskForecast.region_code == region_code)
    forecasts: dict[str, list[RiskForecast]] = defaultdict(list)
    for row in db.session.scalars(query):
        forecasts[row.region_code].append(row)
    return dict(forecasts)


def contributions(
    run_id: str, region_code: str, periods: Iterable[str]
) -> list[RiskScoreContribution]:
    return list(
        db.session.scalars(
            sa.select(RiskScoreContribution)
            .where(
                RiskScoreContribution.run_id == run_id,
                RiskScoreContribution.region_code == region_code,
                RiskScoreContribution.period.in_(list(periods)),
            )
            .order_by(RiskScoreContribution.level, RiskScoreContribution.code)
        )
    )


def rank_interval(run_id: str, region_code: str) -> RiskRankInterval | None:
    return db.session.scalar(
        sa.select(RiskRankInterval).where(
            RiskRankInterval.run_id == run_id, RiskRankInterval.region_code == region_code
        )
    )


def rank_intervals(run_id: str) -> dict[str, RiskRankInterval]:
    rows = db.session.scalars(sa.select(RiskRankInterval).where(RiskRankInterval.run_id == run_id))
    return {row.region_code: row for row in rows}


def domains() -> list[RiskDomain]:
    return list(db.session.scalars(sa.select(RiskDomain).order_by(RiskDomain.position)))


def scored_domains(run_id: str) -> set[str]:
    """The domains a run gave at least one unit a score in, in any period.

    The catalogue may list domains no indicator with data feeds (another country's first
    run, a domain added since); chosen on the dashboard they would draw an empty map.
    """
    codes: set[str] = set()
    rows = db.session.scalars(sa.select(RiskScore.domain_scores).where(RiskScore.run_id == run_id))
    for domain_scores in rows:
        for code, value in (domain_scores or {}).items():
            if isinstance(value, int | float) and math.isfinite(value):
                codes.add(code)
    return codes


def indicators() -> list[RiskIndicator]:
    return list(
        db.session.scalars(
            sa.select(RiskIndicator).order_by(RiskIndicator.position, RiskIndicator.code)
        )
    )


def survey_observations(region_code: str) -> list[RiskSurveyObservation]:
    """Survey-derived values of one region, newest period first within each indicator."""
    return list(
        db.session.scalars(
            sa.select(RiskSurveyObservation)
            .where(RiskSurveyObservation.region_code == region_code)
            .order_by(
                RiskSurveyObservation.indicator_code, RiskSurveyObservation.period_start.desc()
            )
        )
    )


def imported_keys(region_code: str, indicator_codes: set[str]) -> set[tuple[str, str]]:
    """(indicator, period) pairs of one region that imported statistics hold: where they
    exist the score uses them instead of the survey-derived value."""
    if not indicator_codes:
        return set()
    rows = db.session.execute(
        sa.select(RiskObservation.indicator_code, RiskObservation.period).where(
            RiskObservation.region_code == region_code,
            RiskObservation.indicator_code.in_(sorted(indicator_codes)),
        )
    )
    return {(indicator, period) for indicator, period in rows}


#: Sources the platform itself writes, named in the reader's language; others (a bureau,
#: a file name) are shown as the analyst typed them. The demo's is ``forecasting.demo``'s
#: ``DEMO_SOURCE``, written out here: importing that module loads SciPy and statsmodels
#: into every web worker (a test checks it equals the constant).
KNOWN_SOURCES = {
    "synthetic demo data": _l("synthetic demo data"),
    "survey": _l("surveys on this platform"),
}


@dataclass(frozen=True)
class SourceFreshness:
    source: str
    latest_period: str
    latest_period_end: date

    @property
    def label(self) -> str:
        return str(KNOWN_SOURCES.get(self.source, self.source))


@dataclass(frozen=True)
class Freshness:
    run_created_at: datetime | None
    latest_scored_period: str
    sources: tuple[SourceFreshness, ...] = field(default_factory=tuple)


def data_freshness(run: RiskModelRun | None) -> Freshness:
    """The newest observation per source (statistics and surveys) and the run's date."""
    sources: list[SourceFreshness] = []
    for model in (RiskObservation, RiskSurveyObservation):
        # One scan per table: ISO dates sort as text, so the greatest "end|period" string
        # carries the latest period of each source together with its end date.
        latest = sa.func.max(sa.cast(model.period_end, sa.String) + "|" + model.period)
        for source, packed in db.session.execute(
            sa.select(model.source, latest).group_by(model.source)
        ):
            end, _, period = packed.partition("|")
            sources.append(SourceFreshness(source or "", period, date.fromisoformat(end[:10])))
    sources.sort(key=lambda item: item.source)
    return Freshness(
        run_created_at=run.created_at if run else None,
        latest_scored_period=run.latest_period if run else "",
        sources=tuple(sources),
    )


def all_scores(run_id: str) -> list[RiskScore]:
    """Every score of a run, by unit (in the registry's order) and period."""
    return list(
        db.session.scalars(
            sa.select(RiskScore)
            .where(RiskScore.run_id == run_id)
            .order_by(RiskScore.region_code, RiskScore.period_start)
        )
    )
