"""The council's view of the published run: dashboard rows, region pages, comments.

Pure composition over ``webapp.review.queries``: no request objects, so the same functions
feed the pages, the printable reports and the CSV download.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask import current_app

from forecasting.index.classes import CLASS_BOUNDS, RISK_CLASSES, check_bounds, class_of
from webapp.regions.models import Region
from webapp.regions.services import all_regions, successors
from webapp.review import queries
from webapp.risk.models import (
    RiskDomain,
    RiskForecast,
    RiskIndicator,
    RiskModelRun,
    RiskRankInterval,
    RiskScore,
    RiskScoreContribution,
)

#: How many forecast periods the dashboard table shows.
DASHBOARD_FORECAST_PERIODS = 3
SORT_KEYS = ("region", "score", "change", "forecast", "probability", "reliability")


class ReviewError(LookupError):
    """Something asked for that the published run does not have (a period, a domain)."""


def class_bounds(run: RiskModelRun | None) -> tuple[float, ...]:
    """The run's class bounds (if it recorded its own) or the default ones."""
    candidate = (run.parameters or {}).get("class_bounds") if run is not None else None
    if candidate:
        try:
            return check_bounds(candidate)
        except ValueError:
            current_app.logger.warning("run %s has unusable class bounds", run.run_id)
    return CLASS_BOUNDS


def finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class ForecastCell:
    period: str
    mean: float | None
    lower_80: float | None
    upper_80: float | None
    probability_high: float | None


@dataclass(frozen=True)
class DashboardRow:
    region: Region
    name: str
    score: float | None
    risk_class: str | None
    change: float | None
    forecasts: tuple[ForecastCell | None, ...]
    reliability: float | None

    @property
    def next_forecast(self) -> ForecastCell | None:
        return next((cell for cell in self.forecasts if cell is not None), None)

    @property
    def probability_high(self) -> float | None:
        cell = self.next_forecast
        return cell.probability_high if cell else None


@dataclass(frozen=True)
class Dashboard:
    run: RiskModelRun
    periods: tuple[str, ...]
    period: str
    previous_period: str | None
    domain: RiskDomain | None
    domains: tuple[RiskDomain, ...]
    rows: tuple[DashboardRow, ...]
    forecast_periods: tuple[str, ...]
    freshness: queries.Freshness
    bounds: tuple[float, ...]
    sort: str
    descending: bool
    #: The run's latest period: forecasts are shown with it only.
    latest_period: str = ""

    @property
    def shows_latest(self) -> bool:
        return self.period == self.latest_period

    @property
    def class_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(RISK_CLASSES, 0)
        for row in self.rows:
            if row.risk_class in counts:
                counts[row.risk_class] += 1
        return counts


def _value_of(score: RiskScore | None, domain: str | None) -> float | None:
    if score is None:
        return None
    if domain is None:
        return finite(score.score)
    return finite((score.domain_scores or {}).get(domain))


def build_dashboard(
    run: RiskModelRun,
    language: str,
    period: str | None = None,
    domain_code: str | None = None,
    sort: str = "score",
    descending: bool = True,
) -> Dashboard:
    """Every unit's score, class, change, forecasts and reliability for one period.

    With ``domain_code`` the score, class and change are the domain's (forecasts are made
    for the overall score only, so they are left out). Raises ``ReviewError`` for a period
    the run did not score or an unknown domain.
    """
    periods = queries.scored_periods(run.run_id)
    names = [ref.period for ref in periods]
    if not names:
        raise ReviewError("The published run has no scores.")
    latest = run.latest_period if run.latest_period in names else names[-1]
    period = period or latest
    if period not in names:
        raise ReviewError(f"The published run has no scores for {period}.")
    all_domains = queries.domains()
    domain = None
    if domain_code:
        domain = next((item for item in all_domains if item.code == domain_code), None)
        if domain is None:
            raise ReviewError(f"There is no domain {domain_code!r}.")
    previous = queries.previous_period(periods, period)
    current_scores = queries.scores_for_period(run.run_id, period)
    previous_scores = queries.scores_for_period(run.run_id, previous) if previous else {}
    # Forecasts start after the latest period: beside a past period's score they would read
    # as a prediction made from it.
    forecasts = {} if domain or period != latest else queries.score_forecasts(run.run_id)
    forecast_periods = _forecast_periods(forecasts)
    bounds = class_bounds(run)
    rows = []
    for region in _units(current_scores, period):
        score_row = current_scores.get(region.code)
        value = _value_of(score_row, domain.code if domain else None)
        before = _value_of(previous_scores.get(region.code), domain.code if domain else None)
        if domain is None:
            risk_class = (score_row.risk_class or None) if score_row else None
        else:
            risk_class = class_of(value, bounds) if value is not None else None
        by_period = {row.period: row for row in forecasts.get(region.code, [])}
        rows.append(
            DashboardRow(
                region=region,
                name=region.name(language),
                score=value,
                risk_class=risk_class,
                change=value - before if value is not None and before is not None else None,
                forecasts=tuple(_cell(by_period.get(name)) for name in forecast_periods),
                reliability=finite(score_row.reliability) if score_row else None,
            )
        )
    sort = sort if sort in SORT_KEYS else "score"
    return Dashboard(
        run=run,
        periods=tuple(names),
        period=period,
        previous_period=previous,
        domain=domain,
        domains=tuple(_selectable_domains(run, all_domains, domain)),
        rows=tuple(sort_rows(rows, sort, descending)),
        forecast_periods=forecast_periods,
        freshness=queries.data_freshness(run),
        bounds=bounds,
        sort=sort,
        descending=descending,
        latest_period=latest,
    )


def _selectable_domains(
    run: RiskModelRun, all_domains: Sequence[RiskDomain], chosen: RiskDomain | None
) -> list[RiskDomain]:
    """The domains the run scored (and the one asked for): any other would show an empty map."""
    scored = queries.scored_domains(run.run_id)
    return [item for item in all_domains if item.code in scored or item is chosen]


def _units(scores: dict[str, RiskScore], period: str) -> list[Region]:
    """The units that existed during the period, plus any other unit it has a score for.

    Abai (from 2022-06-08) is not listed as "no score" in 2021; South Kazakhstan (until
    2018-06-18) is listed in 2017 when it was scored.
    """
    span = pd.Period(period)
    start, end = span.start_time.date(), span.end_time.date()

    def existed(region: Region) -> bool:
        return (region.valid_from is None or region.valid_from <= end) and (
            region.valid_to is None or region.valid_to >= start
        )

    return [region for region in all_regions() if region.code in scores or existed(region)]


def _forecast_periods(forecasts: dict[str, list[RiskForecast]]) -> tuple[str, ...]:
    starts: dict[str, Any] = {}
    for rows in forecasts.values():
        for row in rows:
            starts.setdefault(row.period, row.period_start)
    ordered = sorted(starts, key=lambda name: starts[name])
    return tuple(ordered[:DASHBOARD_FORECAST_PERIODS])


def _cell(row: RiskForecast | None) -> ForecastCell | None:
    if row is None:
        return None
    return ForecastCell(
        period=row.period,
        mean=finite(row.mean),
        lower_80=finite(row.lower_80),
        upper_80=finite(row.upper_80),
        probability_high=finite(row.probability_high),
    )


def sort_rows(rows: Sequence[DashboardRow], key: str, descending: bool) -> list[DashboardRow]:
    """Sort by ``key``; units without a value always come last, whatever the direction."""
    if key == "region":
        return sorted(rows, key=lambda row: row.name.casefold(), reverse=descending)

    def value(row: DashboardRow) -> float | None:
        if key == "score":
            return row.score
        if key == "change":
            return row.change
        if key == "forecast":
            cell = row.next_forecast
            return cell.mean if cell else None
        if key == "probability":
            return row.probability_high
        return row.reliability

    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    present.sort(key=lambda row: (value(row), row.name.casefold()), reverse=descending)
    return present + sorted(missing, key=lambda row: row.name.casefold())


# --- Region page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainPart:
    domain: RiskDomain | None
    code: str
    score: float | None
    contribution: float | None
    previous_contribution: float | None

    @property
    def change(self) -> float | None:
        if self.contribution is None or self.previous_contribution is None:
            return None
        return self.contribution - self.previous_contribution


@dataclass(frozen=True)
class IndicatorPart:
    indicator: RiskIndicator | None
    code: str
    domain: str
    value: float | None
    observed_period: str | None
    stale: bool
    normalised_value: float | None
    contribution: float | None
    previous_value: float | None
    previous_contribution: float | None
    #: True when the value rests on fewer survey responses than may be shown.
    suppressed: bool = False

    @property
    def change(self) -> float | None:
        if self.contribution is None or self.previous_contribution is None:
            return None
        return self.contribution - self.previous_contribution

    @property
    def value_change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


@dataclass(frozen=True)
class SurveyIndicator:
    indicator: RiskIndicator | None
    code: str
    period: str
    value: float | None
    n: float | None
    lower: float | None
    upper: float | None
    suppressed: bool
    #: Imported statistics hold this indicator and period: the score uses them instead.
    replaced_by_statistics: bool = False


@dataclass(frozen=True)
class RegionReport:
    run: RiskModelRun
    region: Region
    name: str
    periods: tuple[str, ...]
    period: str | None
    previous_period: str | None
    current: RiskScore | None
    previous: RiskScore | None
    history: tuple[RiskScore, ...]
    forecasts: tuple[RiskForecast, ...]
    domain_parts: tuple[DomainPart, ...]
    indicator_parts: tuple[IndicatorPart, ...]
    survey_indicators: tuple[SurveyIndicator, ...]
    rank: RiskRankInterval | None
    bounds: tuple[float, ...]
    unit_count: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        if self.current.score is None or self.previous.score is None:
            return None
        return self.current.score - self.previous.score

    @property
    def movers(self) -> tuple[IndicatorPart, ...]:
        """Indicators ordered by how much they moved the score since the previous period."""
        moved = [part for part in self.indicator_parts if part.change is not None]
        return tuple(sorted(moved, key=lambda part: abs(part.change or 0.0), reverse=True))

    @property
    def indicators_by_movement(self) -> tuple[IndicatorPart, ...]:
        """The movers first, then the indicators without a previous value to compare with."""
        movers = self.movers
        return movers + tuple(part for part in self.indicator_parts if part not in movers)


def suppression_threshold() -> int:
    return int(current_app.config.get("SUPPRESSION_THRESHOLD", 10))


def build_region_report(
    run: RiskModelRun, region: Region, language: str, period: str | None = None
) -> RegionReport:
    """Everything the region page shows, for one period of the published run."""
    history = queries.score_history(run.run_id, region.code)
    periods = tuple(row.period for row in history)
    if period is not None and period not in periods:
        raise ReviewError(f"The published run has no score of this unit for {period}.")
    if period is None and periods:
        period = run.latest_period if run.latest_period in periods else periods[-1]
    by_period = {row.period: row for row in history}
    position = periods.index(period) if period in periods else -1
    previous = periods[position - 1] if position > 0 else None
    catalogue = {item.code: item for item in queries.indicators()}
    domain_list = queries.domains()
    domain_by_code = {item.code: item for item in domain_list}
    threshold = suppression_threshold()
    survey_rows = queries.survey_observations(region.code)
    survey_n = {(row.indicator_code, row.period): row.n for row in survey_rows}
    parts = (
        queries.contributions(run.run_id, region.code, [p for p in (period, previous) if p])
        if period
        else []
    )
    domain_parts, indicator_parts = _decomposition(
        parts, period, previous, by_period, domain_by_code, catalogue, survey_n, threshold
    )
    survey_indicators = []
    seen = set()
    imported = queries.imported_keys(region.code, {row.indicator_code for row in survey_rows})
    for row in survey_rows:
        if row.indicator_code in seen:
            continue  # newest period of each indicator only
        seen.add(row.indicator_code)
        hidden = row.n is None or row.n < threshold
        survey_indicators.append(
            SurveyIndicator(
                indicator=catalogue.get(row.indicator_code),
                code=row.indicator_code,
                period=row.period,
                value=None if hidden else finite(row.value),
                n=row.n,
                lower=None if hidden else finite(row.lower),
                upper=None if hidden else finite(row.upper),
                suppressed=hidden,
                replaced_by_statistics=(row.indicator_code, row.period) in imported,
            )
        )
    forecasts = queries.score_forecasts(run.run_id, region.code).get(region.code, [])
    unit_count = len(queries.scores_for_period(run.run_id, period)) if period else 0
    return RegionReport(
        run=run,
        region=region,
        name=region.name(language),
        periods=periods,
        period=period,
        previous_period=previous,
        current=by_period.get(period) if period else None,
        previous=by_period.get(previous) if previous else None,
        history=tuple(history),
        forecasts=tuple(forecasts),
        domain_parts=domain_parts,
        indicator_parts=indicator_parts,
        survey_indicators=tuple(survey_indicators),
        rank=queries.rank_interval(run.run_id, region.code),
        bounds=class_bounds(run),
        unit_count=unit_count,
    )


def _decomposition(
    parts: list[RiskScoreContribution],
    period: str | None,
    previous: str | None,
    scores: dict[str, RiskScore],
    domains: dict[str, RiskDomain],
    catalogue: dict[str, RiskIndicator],
    survey_n: dict[tuple[str, str], float | None],
    threshold: int,
) -> tuple[tuple[DomainPart, ...], tuple[IndicatorPart, ...]]:
    now = {(part.level, part.code): part for part in parts if part.period == period}
    before = {(part.level, part.code): part for part in parts if part.period == previous}
    current_score = scores.get(period) if period else None
    domain_parts = []
    ordered_domains = sorted(
        {code for level, code in now if level == "domain"},
        key=lambda code: (domains[code].position if code in domains else 10**6, code),
    )
    for code in ordered_domains:
        part = now[("domain", code)]
        earlier = before.get(("domain", code))
        domain_parts.append(
            DomainPart(
                domain=domains.get(code),
                code=code,
                score=finite((current_score.domain_scores or {}).get(code))
                if current_score
                else None,
                contribution=finite(part.contribution),
                previous_contribution=finite(earlier.contribution) if earlier else None,
            )
        )
    indicator_parts = []
    for (level, code), part in now.items():
        if level != "indicator":
            continue
        earlier = before.get(("indicator", code))
        hidden = _is_small_cell(code, part.observed_period, survey_n, threshold) or (
            earlier is not None
            and _is_small_cell(code, earlier.observed_period, survey_n, threshold)
        )
        indicator_parts.append(
            IndicatorPart(
                indicator=catalogue.get(code),
                code=code,
                domain=part.domain,
                value=None if hidden else finite(part.value),
                observed_period=part.observed_period,
                stale=bool(part.stale),
                normalised_value=None if hidden else finite(part.normalised_value),
                contribution=None if hidden else finite(part.contribution),
                previous_value=None if hidden or earlier is None else finite(earlier.value),
                previous_contribution=None
                if hidden or earlier is None
                else finite(earlier.contribution),
                suppressed=hidden,
            )
        )
    indicator_parts.sort(
        key=lambda part: (
            catalogue[part.code].position if part.code in catalogue else 10**6,
            part.code,
        )
    )
    return tuple(domain_parts), tuple(indicator_parts)


def _is_small_cell(
    code: str,
    observed: str | None,
    survey_n: dict[tuple[str, str], float | None],
    threshold: int,
) -> bool:
    """A survey-derived value resting on fewer responses than the threshold is not shown."""
    if observed is None or (code, observed) not in survey_n:
        return False
    n = survey_n[(code, observed)]
    return n is None or n < threshold


@dataclass(frozen=True)
class EndedUnit:
    date: str
    successors: str
    #: (code, name) of each successor, for links to their pages.
    units: tuple[tuple[str, str], ...] = ()


def ended_unit(region: Region, language: str) -> EndedUnit | None:
    """Why an ended unit (South Kazakhstan, 2018) has no scores after its end: said on its
    pages, which otherwise showed scores stopping at its end with no word."""
    if region.valid_to is None:
        return None
    units = tuple((other.code, other.name(language)) for other in successors(region))
    return EndedUnit(
        date=region.valid_to.isoformat(),
        successors=", ".join(name for _code, name in units),
        units=units,
    )
