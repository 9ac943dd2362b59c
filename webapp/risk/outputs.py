"""Materialising a run: its results copied into indexed tables the pages query directly.

The registry keeps a run's artifacts as compressed frames, which are right for archiving but
slow to filter on every page view. After a run succeeds its scores (with the contribution of
every domain and indicator), forecasts (of the score and of each indicator), rank intervals
from the uncertainty analysis and backtest metrics are written to the ``risk_*`` tables in
one transaction, keyed by the registry's run id.

A unit that has ended (South Kazakhstan, until 2018-06-18) keeps its scores up to its end
but gets none after it, and no forecasts or ranks: the training pipeline and the risk index
leave it out of every period that ends after its last day (``forecasting.geography.has_ended``,
the rule of the CLI too), so what is stored here is what they produced.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from forecasting.registry import (
    BACKTEST,
    CARD_JSON,
    CARD_MARKDOWN,
    FORECASTS,
    SCORE_FORECASTS,
    frame_from_bytes,
)
from webapp.extensions import db
from webapp.risk.models import (
    RiskBacktestMetric,
    RiskForecast,
    RiskModelRun,
    RiskRankInterval,
    RiskScore,
    RiskScoreContribution,
)

#: Rows per INSERT statement when copying large frames.
CHUNK = 5000


def materialise_run(run_id: str, outcome: Any, job_id: int | None = None) -> RiskModelRun:
    """Write a trained run's outputs (flushes; the caller commits)."""
    run = outcome.run
    artifacts: dict[str, bytes] = run.artifacts()
    card_markdown = artifacts.get(CARD_MARKDOWN, b"").decode("utf-8")
    card = json.loads(artifacts[CARD_JSON].decode("utf-8")) if CARD_JSON in artifacts else {}
    score_result = outcome.score_result
    scores = score_result.to_frame()
    latest = _latest_period(scores["period"])
    model_run = RiskModelRun(
        run_id=run_id,
        job_id=job_id,
        latest_period=str(latest) if latest is not None else "",
        latest_period_start=latest.start_time.date() if latest is not None else None,
        data_summary=_json_safe(outcome.summary),
        parameters=_json_safe(getattr(run, "parameters", {}) or {}),
        card_markdown=card_markdown,
        card=_json_safe(card),
        is_synthetic=bool(outcome.summary.get("synthetic")),
    )
    db.session.add(model_run)
    db.session.flush()
    _insert(RiskScore, _score_rows(run_id, scores, list(score_result.domains)))
    _insert(RiskScoreContribution, _contribution_rows(run_id, score_result.decomposition()))
    forecasts = frame_from_bytes(artifacts[FORECASTS]) if FORECASTS in artifacts else None
    score_forecasts = (
        frame_from_bytes(artifacts[SCORE_FORECASTS]) if SCORE_FORECASTS in artifacts else None
    )
    _insert(RiskForecast, _forecast_rows(run_id, forecasts, score_forecasts))
    uncertainty = outcome.uncertainty
    if uncertainty is not None:
        _insert(RiskRankInterval, _rank_rows(run_id, uncertainty.to_frame()))
    backtest = frame_from_bytes(artifacts[BACKTEST]) if BACKTEST in artifacts else None
    _insert(RiskBacktestMetric, _metric_rows(run_id, backtest))
    db.session.flush()
    return model_run


def _insert(model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start : start + CHUNK])


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _number(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _as_period(value: Any) -> pd.Period:
    return value if isinstance(value, pd.Period) else pd.Period(str(value))


def _latest_period(periods: Iterable[Any]) -> pd.Period | None:
    parsed = [_as_period(period) for period in periods if period is not None]
    return max(parsed, key=lambda period: period.end_time) if parsed else None


class _PeriodCache(dict):
    def __missing__(self, value: Any) -> tuple[str, date]:
        period = _as_period(value)
        self[value] = (str(period), period.start_time.date())
        return self[value]


def _score_rows(run_id: str, scores: pd.DataFrame, domains: list[str]) -> list[dict[str, Any]]:
    periods = _PeriodCache()
    rows = []
    for record in scores.to_dict("records"):
        text, start = periods[record["period"]]
        rows.append(
            {
                "run_id": run_id,
                "region_code": str(record["region"]),
                "period": text,
                "period_start": start,
                "score": _number(record["score"]),
                "risk_class": str(record.get("risk_class") or ""),
                "reliability": _number(record.get("reliability")),
                "n_missing": int(record.get("n_missing") or 0),
                "n_stale": int(record.get("n_stale") or 0),
                "domain_scores": {domain: _number(record.get(domain)) for domain in domains},
            }
        )
    return rows


def _contribution_rows(run_id: str, decomposition: pd.DataFrame) -> list[dict[str, Any]]:
    periods = _PeriodCache()
    rows = []
    for record in decomposition.to_dict("records"):
        observed = record.get("observed_period")
        rows.append(
            {
                "run_id": run_id,
                "region_code": str(record["region"]),
                "period": periods[record["period"]][0],
                "level": record["level"],
                "code": str(record["code"]),
                "domain": str(record.get("domain") or ""),
                "value": _number(record.get("value")),
                "observed_period": str(observed) if observed is not None else None,
                "stale": bool(record.get("stale") or False),
                "normalised_value": _number(record.get("normalised_value")),
                "weight": _number(record.get("weight")),
                "contribution": _number(record.get("contribution")),
            }
        )
    return rows


_INTERVALS = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")


def _forecast_rows(
    run_id: str, forecasts: pd.DataFrame | None, score_forecasts: pd.DataFrame | None
) -> list[dict[str, Any]]:
    periods = _PeriodCache()
    rows: list[dict[str, Any]] = []
    for frame, is_score in ((forecasts, False), (score_forecasts, True)):
        if frame is None or frame.empty:
            continue
        for record in frame.to_dict("records"):
            text, start = periods[record["period"]]
            horizon = record.get("horizon", record.get("step"))
            rows.append(
                {
                    "run_id": run_id,
                    "region_code": str(record["region"]),
                    "target": "score" if is_score else str(record["indicator"]),
                    "period": text,
                    "period_start": start,
                    "horizon": int(horizon) if _number(horizon) is not None else None,
                    **{column: _number(record.get(column)) for column in _INTERVALS},
                    "probability_high": _number(record.get("probability_high"))
                    if is_score
                    else None,
                    "model": str(record.get("model") or ""),
                }
            )
    return rows


def _rank_rows(run_id: str, ranks: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "region_code": str(record["region"]),
            "period": str(record["period"]),
            "nominal_rank": _number(record.get("nominal_rank")),
            "median_rank": _number(record.get("median_rank")),
            "rank_low": _number(record.get("rank_p05")),
            "rank_high": _number(record.get("rank_p95")),
            "score_low": _number(record.get("score_p05")),
            "score_high": _number(record.get("score_p95")),
        }
        for record in ranks.to_dict("records")
    ]


_METRIC_KEYS = ("target", "indicator", "model", "horizon", "step")


def _metric_rows(run_id: str, backtest: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Backtest metrics in long form, whatever columns the summary groups by."""
    if backtest is None or backtest.empty:
        return []
    keys = [column for column in _METRIC_KEYS if column in backtest.columns]
    metrics = [
        column
        for column in backtest.columns
        if column not in keys and pd.api.types.is_numeric_dtype(backtest[column])
    ]
    rows = []
    for record in backtest.to_dict("records"):
        horizon = record.get("horizon", record.get("step"))
        for metric in metrics:
            rows.append(
                {
                    "run_id": run_id,
                    "target": str(record.get("target", record.get("indicator", "")) or ""),
                    "model": str(record.get("model", "") or ""),
                    "horizon": int(horizon) if _number(horizon) is not None else None,
                    "metric": metric[:32],
                    "value": _number(record[metric]),
                }
            )
    return rows
