"""Read-only queries on published risk outputs, for the council pages and the open-data API.

Everything here reads the materialised tables (one indexed query each), never the registry's
artifacts, so pages stay fast. Councils and the API must only show the *published* run:

``published_run() -> RiskModelRun | None``
    The run in force (the registry's active run), or None before the first promotion.
``scores_for(run_id, period=None) -> list[RiskScore]``
    Every region's score for a period (default: the run's latest), highest score first.
``periods_for(run_id) -> list[str]``
    The scored periods of a run, oldest first.
``score_history(run_id, region_code) -> list[RiskScore]``
    One region's scores over time, oldest first.
``forecasts_for(run_id, region_code, target=None) -> list[RiskForecast]``
    A region's forecasts (``target`` "score" or an indicator code; None: all), by target
    and period.
``score_forecasts_for(run_id, period=None) -> list[RiskForecast]``
    Every region's score forecast for one future period (default: the first), with
    ``probability_high``.
``contributions_for(run_id, region_code, period) -> list[RiskScoreContribution]``
    Domain and indicator contributions to one score (each level sums to the score).
``rank_intervals_for(run_id) -> list[RiskRankInterval]``
    Median rank and 5-95 % rank interval per region, best-ranked (highest risk) first.
``backtest_metrics_for(run_id) -> list[RiskBacktestMetric]``
    Accuracy of the run's forecasts in the rolling-origin backtest.
``observations_for(region_code, indicator=None) -> list[ObservationRow]``
    Stored values for a region (imported and survey-derived), by indicator and period.
``data_freshness() -> list[IndicatorFreshness]``
    Per catalogue indicator: how many values, the latest period, when last imported.
``indicators_by_code() -> dict[str, RiskIndicator]``, ``domains_by_code()``
    The catalogue, for names and units in the current language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from forecasting.registry import model_run_activations
from webapp.extensions import db
from webapp.risk.models import (
    RiskBacktestMetric,
    RiskDomain,
    RiskForecast,
    RiskIndicator,
    RiskModelRun,
    RiskObservation,
    RiskRankInterval,
    RiskScore,
    RiskScoreContribution,
    RiskSurveyObservation,
    StatisticsImport,
)


def published_run() -> RiskModelRun | None:
    """The materialised run that the registry marks active (one query)."""
    return db.session.scalar(
        sa.select(RiskModelRun)
        .join(model_run_activations, model_run_activations.c.run_id == RiskModelRun.run_id)
        .where(model_run_activations.c.is_active == sa.true())
    )


def published_run_id() -> str | None:
    return db.session.scalar(
        sa.select(model_run_activations.c.run_id).where(
            model_run_activations.c.is_active == sa.true()
        )
    )


def periods_for(run_id: str) -> list[str]:
    rows = db.session.execute(
        sa.select(RiskScore.period, RiskScore.period_start)
        .where(RiskScore.run_id == run_id)
        .distinct()
        .order_by(RiskScore.period_start)
    ).all()
    return [row.period for row in rows]


def scores_for(run_id: str, period: str | None = None) -> list[RiskScore]:
    if period is None:
        run = db.session.get(RiskModelRun, run_id)
        if run is None:
            return []
        period = run.latest_period
    try:
        start = pd.Period(period).start_time.date()
    except ValueError:
        return []
    return list(
        db.session.scalars(
            sa.select(RiskScore)
            .where(
                RiskScore.run_id == run_id,
                RiskScore.period_start == start,  # uses the (run_id, period_start) index
                RiskScore.period == period,
            )
            .order_by(RiskScore.score.desc().nulls_last(), RiskScore.region_code)
        )
    )


def score_history(run_id: str, region_code: str) -> list[RiskScore]:
    return list(
        db.session.scalars(
            sa.select(RiskScore)
            .where(RiskScore.run_id == run_id, RiskScore.region_code == region_code)
            .order_by(RiskScore.period_start)
        )
    )


def forecasts_for(run_id: str, region_code: str, target: str | None = None) -> list[RiskForecast]:
    query = sa.select(RiskForecast).where(
        RiskForecast.run_id == run_id, RiskForecast.region_code == region_code
    )
    if target is not None:
        query = query.where(RiskForecast.target == target)
    return list(db.session.scalars(query.order_by(RiskForecast.target, RiskForecast.period_start)))


def score_forecasts_for(run_id: str, period: str | None = None) -> list[RiskForecast]:
    query = sa.select(RiskForecast).where(
        RiskForecast.run_id == run_id, RiskForecast.target == "score"
    )
    if period is None:
        first = db.session.scalar(
            sa.select(sa.func.min(RiskForecast.period_start)).where(
                RiskForecast.run_id == run_id, RiskForecast.target == "score"
            )
        )
        if first is None:
            return []
        query = query.where(RiskForecast.period_start == first)
    else:
        query = query.where(RiskForecast.period == period)
    return list(
        db.session.scalars(
            query.order_by(RiskForecast.mean.desc().nulls_last(), RiskForecast.region_code)
        )
    )


def contributions_for(run_id: str, region_code: str, period: str) -> list[RiskScoreContribution]:
    return list(
        db.session.scalars(
            sa.select(RiskScoreContribution)
            .where(
                RiskScoreContribution.run_id == run_id,
                RiskScoreContribution.region_code == region_code,
                RiskScoreContribution.period == period,
            )
            .order_by(
                RiskScoreContribution.level,
                RiskScoreContribution.contribution.desc().nulls_last(),
            )
        )
    )


def rank_intervals_for(run_id: str) -> list[RiskRankInterval]:
    return list(
        db.session.scalars(
            sa.select(RiskRankInterval)
            .where(RiskRankInterval.run_id == run_id)
            .order_by(RiskRankInterval.median_rank, RiskRankInterval.region_code)
        )
    )


def backtest_metrics_for(run_id: str) -> list[RiskBacktestMetric]:
    return list(
        db.session.scalars(
            sa.select(RiskBacktestMetric)
            .where(RiskBacktestMetric.run_id == run_id)
            .order_by(
                RiskBacktestMetric.target,
                RiskBacktestMetric.model,
                RiskBacktestMetric.horizon,
                RiskBacktestMetric.metric,
            )
        )
    )


@dataclass(frozen=True)
class ObservationRow:
    """A stored value with where it came from (``import`` or ``survey``)."""

    indicator_code: str
    period: str
    period_start: date
    value: float
    source: str
    n: float | None
    lower: float | None
    upper: float | None
    origin: str
    import_id: int | None


def observations_for(region_code: str, indicator: str | None = None) -> list[ObservationRow]:
    """Imported values, plus survey-derived values where no import covers the key."""
    rows: dict[tuple[str, str], ObservationRow] = {}
    for model, origin in ((RiskSurveyObservation, "survey"), (RiskObservation, "import")):
        query = sa.select(model).where(model.region_code == region_code)
        if indicator is not None:
            query = query.where(model.indicator_code == indicator)
        for stored in db.session.scalars(query):
            rows[(stored.indicator_code, stored.period)] = ObservationRow(
                indicator_code=stored.indicator_code,
                period=stored.period,
                period_start=stored.period_start,
                value=stored.value,
                source=stored.source,
                n=stored.n,
                lower=stored.lower,
                upper=stored.upper,
                origin=origin,
                import_id=getattr(stored, "import_id", None),
            )
    return sorted(rows.values(), key=lambda row: (row.indicator_code, row.period_start))


@dataclass(frozen=True)
class IndicatorFreshness:
    code: str
    values: int
    latest_period: str | None
    latest_period_start: date | None
    last_imported_at: datetime | None


def data_freshness() -> list[IndicatorFreshness]:
    """How current each indicator's data is: the council pages show it next to the scores."""
    latest = (
        sa.select(
            RiskObservation.indicator_code,
            sa.func.count().label("values"),
            sa.func.max(RiskObservation.period_start).label("latest_start"),
            sa.func.max(StatisticsImport.imported_at).label("imported_at"),
        )
        .join(StatisticsImport, StatisticsImport.id == RiskObservation.import_id)
        .group_by(RiskObservation.indicator_code)
    )
    survey = sa.select(
        RiskSurveyObservation.indicator_code,
        sa.func.count().label("values"),
        sa.func.max(RiskSurveyObservation.period_start).label("latest_start"),
        sa.func.max(RiskSurveyObservation.computed_at).label("imported_at"),
    ).group_by(RiskSurveyObservation.indicator_code)
    found: dict[str, tuple[int, date | None, datetime | None]] = {}
    for row in [*db.session.execute(latest), *db.session.execute(survey)]:
        values, start, when = found.get(row.indicator_code, (0, None, None))
        found[row.indicator_code] = (
            values + row.values,
            max(filter(None, (start, row.latest_start)), default=None),
            max(filter(None, (when, _aware(row.imported_at))), default=None),
        )
    result = []
    for indicator in db.session.scalars(
        sa.select(RiskIndicator).order_by(RiskIndicator.position, RiskIndicator.code)
    ):
        values, start, when = found.get(indicator.code, (0, None, None))
        result.append(
            IndicatorFreshness(
                code=indicator.code,
                values=values,
                latest_period=_period_at(indicator.code, start) if start else None,
                latest_period_start=start,
                last_imported_at=when,
            )
        )
    return result


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _period_at(indicator_code: str, start: date) -> str | None:
    for model in (RiskObservation, RiskSurveyObservation):
        period = db.session.scalar(
            sa.select(model.period)
            .where(model.indicator_code == indicator_code, model.period_start == start)
            .limit(1)
        )
        if period is not None:
            return period
    return None


def indicators_by_code() -> dict[str, RiskIndicator]:
    return {
        indicator.code: indicator
        for indicator in db.session.scalars(
            sa.select(RiskIndicator).order_by(RiskIndicator.position)
        )
    }


def domains_by_code() -> dict[str, RiskDomain]:
    return {
        domain.code: domain
        for domain in db.session.scalars(sa.select(RiskDomain).order_by(RiskDomain.position))
    }
