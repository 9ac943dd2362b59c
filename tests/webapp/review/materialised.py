"""Materialised run outputs written straight into the risk domain's tables, for review and API tests.

Numbers follow simple formulas so tests can state what a page must show; decompositions add
up to their score as the real index guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from forecasting.index.classes import class_of
from forecasting.registry import model_run_activations, model_runs
from webapp.extensions import db

PERIODS = ("2019", "2020", "2021", "2022", "2023")
FORECAST_PERIODS = ("2024", "2025")
#: Indicators of the default catalogue used by the fixture, with their domain.
INDICATORS = {
    "unemployment_rate": "economic_hardship",
    "poverty_share": "economic_hardship",
    "survey_trust_local_government": "trust_in_state",
}
DOMAINS = ("economic_hardship", "trust_in_state")
SMALL_CELL_REGION = "KZ-71"


@dataclass(frozen=True)
class RunFixture:
    run_id: str
    regions: tuple[str, ...]
    periods: tuple[str, ...]
    offset: float

    def score(self, region: str, period: str) -> float:
        return expected_score(self.regions.index(region), self.periods.index(period), self.offset)


def expected_score(region_index: int, period_index: int, offset: float = 0.0) -> float:
    return round(min(9.9, 1.0 + 0.4 * region_index + 0.3 * period_index + offset), 3)


def materialise_run(
    run_id: str,
    region_codes: tuple[str, ...],
    *,
    active: bool = True,
    offset: float = 0.0,
    periods: tuple[str, ...] = PERIODS,
    is_synthetic: bool = False,
) -> RunFixture:
    """Insert a run with scores, contributions, forecasts and rank intervals; commit."""
    from webapp.risk.catalogue import ensure_catalogue
    from webapp.risk.models import (
        RiskForecast,
        RiskModelRun,
        RiskRankInterval,
        RiskScore,
        RiskScoreContribution,
    )

    ensure_catalogue()
    created = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    db.session.execute(
        sa.insert(model_runs).values(
            id=run_id,
            created_at=created,
            status="succeeded",
            data_hash="0" * 64,
            parameters="{}",
            message="",
        )
    )
    db.session.add(
        RiskModelRun(
            run_id=run_id,
            created_at=created,
            latest_period=periods[-1],
            latest_period_start=date(int(periods[-1]), 1, 1),
            is_synthetic=is_synthetic,
        )
    )
    db.session.flush()
    count = len(region_codes)
    scores, contributions, forecasts, ranks = [], [], [], []
    for region_index, code in enumerate(region_codes):
        for period_index, period in enumerate(periods):
            score = expected_score(region_index, period_index, offset)
            # Two domains share the score equally; indicators split their domain's half.
            half = score / 2
            scores.append(
                dict(
                    run_id=run_id,
                    region_code=code,
                    period=period,
                    period_start=date(int(period), 1, 1),
                    score=score,
                    risk_class=class_of(score),
                    reliability=10.0 - region_index % 3,
                    n_missing=region_index % 3,
                    n_stale=0,
                    domain_scores={DOMAINS[0]: round(score + 0.5, 3), DOMAINS[1]: score - 0.5},
                )
            )
            for domain in DOMAINS:
                contributions.append(
                    dict(
                        run_id=run_id,
                        region_code=code,
                        period=period,
                        level="domain",
                        domain="",
                        value=None,
                        observed_period=None,
                        stale=False,
                        normalised_value=None,
                        weight=None,
                        code=domain,
                        contribution=half,
                    )
                )
            # unemployment moves with time, poverty is flat: unemployment is the top mover.
            moving = half * (0.5 + 0.05 * period_index)
            parts = {
                "unemployment_rate": moving,
                "poverty_share": half - moving,
                "survey_trust_local_government": half,
            }
            for indicator, contribution in parts.items():
                contributions.append(
                    dict(
                        run_id=run_id,
                        region_code=code,
                        period=period,
                        level="indicator",
                        code=indicator,
                        domain=INDICATORS[indicator],
                        value=round(10 + period_index + region_index, 3),
                        observed_period=period,
                        stale=False,
                        normalised_value=contribution * 2,
                        weight=1.0,
                        contribution=contribution,
                    )
                )
        last = expected_score(region_index, len(periods) - 1, offset)
        for step, period in enumerate(FORECAST_PERIODS, start=1):
            mean = min(9.9, last + 0.2 * step)
            forecasts.append(
                dict(
                    run_id=run_id,
                    region_code=code,
                    target="score",
                    period=period,
                    period_start=date(int(period), 1, 1),
                    horizon=step,
                    mean=mean,
                    lower_80=mean - 0.5 * step,
                    upper_80=mean + 0.5 * step,
                    lower_95=mean - 0.8 * step,
                    upper_95=mean + 0.8 * step,
                    probability_high=round(min(1.0, mean / 10), 3),
                    model="naive",
                )
            )
        rank = count - region_index
        ranks.append(
            dict(
                run_id=run_id,
                region_code=code,
                period=periods[-1],
                nominal_rank=rank,
                median_rank=rank,
                rank_low=max(1, rank - 1),
                rank_high=min(count, rank + 2),
                score_low=last - 0.3,
                score_high=last + 0.3,
            )
        )
    for model, rows in (
        (RiskScore, scores),
        (RiskScoreContribution, contributions),
        (RiskForecast, forecasts),
        (RiskRankInterval, ranks),
    ):
        db.session.execute(sa.insert(model), rows)
    if active:
        activate(run_id)
    db.session.commit()
    return RunFixture(run_id, tuple(region_codes), tuple(periods), offset)


def activate(run_id: str) -> None:
    """Make ``run_id`` the registry's active run, as a promotion does."""
    db.session.execute(
        sa.update(model_run_activations)
        .where(model_run_activations.c.is_active == sa.true())
        .values(is_active=False)
    )
    db.session.execute(
        sa.insert(model_run_activations).values(
            run_id=run_id, activated_at=datetime.now(UTC), is_active=True
        )
    )


def add_survey_observations(region_codes: tuple[str, ...], small_n_region: str) -> None:
    """Survey-derived values for the trust indicator; one region rests on too few answers."""
    from webapp.risk.models import RiskSurveyObservation

    for code in region_codes:
        n = 4.0 if code == small_n_region else 250.0
        db.session.add(
            RiskSurveyObservation(
                region_code=code,
                indicator_code="survey_trust_local_government",
                period="2023",
                frequency="Y",
                period_start=date(2023, 1, 1),
                period_end=date(2023, 12, 31),
                value=41.5,
                source="survey",
                n=n,
                lower=37.0,
                upper=46.0,
            )
        )
    db.session.commit()
