"""Interval calibration from the chosen model's own backtest errors (split-conformal).

Every model's 80% and 95% intervals rest on its own assumptions (normal errors, in-sample
residuals, a fitted variance), and in the rolling-origin backtest they cover less than they
promise: parameters are estimated, shocks hit all regions at once, the in-sample errors of a
tuned model are optimistic. The backtest records say by how much. Per indicator and step
ahead, the score of a backtest point is its error measured in the model's own half-width on
the side the actual fell, ``|actual - mean| / (upper - mean)`` or ``/ (mean - lower)``;
the conformal quantile of those scores at 80% (95%) is the factor by which the half-widths
must be multiplied for 80% (95%) of the points to fall inside (normalised split-conformal
prediction: Lei et al. 2018, "Distribution-free predictive inference for regression";
per step ahead as in Stankeviciute et al. 2021, "Conformal time-series forecasting").
Scaling each model's own half-width, rather than replacing it by one width per indicator,
keeps what the model knows: a volatile region keeps a wider interval than a calm one, and
a skewed interval stays skewed.

Which backtest points speak for the final fit: only origins trained on at least half of
the indicator's history (``min_training_share``), the newer weighing more
(``origin_decay``; weighted conformal quantile, Barber et al. 2023, "Conformal prediction
beyond exchangeability"). The backtest holds a few origins, and the regions of one origin
share its shocks, so factors are noisy: an indicator's factor (all steps) is shrunk towards
1 by its number of origins (``prior_origins``), a step's towards the indicator's by its
number of points (``prior_points``), on the log scale; with fewer than ``min_points``
points a factor is not estimated at all.

Measured on held-out periods (``bench/forecasting_intervals.py``, docs/forecasting.md):
coverage moves towards the nominal levels where the models were over-confident, the
pinball loss stays about where it was on the demo panel, and on the fertility panel, whose
recent years are calmer than its backtest, the intervals become too wide.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Interval levels calibrated, with the bound columns of each.
LEVELS = {80: ("lower_80", "upper_80"), 95: ("lower_95", "upper_95")}
#: Backtest origins that weigh as much as the prior factor 1 for an indicator's factor. The
#: regions of one origin share its shocks: twenty regions that all missed one common shift
#: are one piece of evidence, not twenty (on the demo panel, from a single origin, factors
#: up to 5 tripled the held-out pinball loss of an indicator whose next window was calm).
PRIOR_ORIGINS = 2
#: Backtest points of a step that weigh as much as the indicator's factor over all steps
#: (60 rather than 20: slightly lower held-out pinball loss on both demo lengths and the
#: fertility panel, bench/forecasting_intervals.py).
PRIOR_POINTS = 60
#: Origins whose training part is shorter than this share of the indicator's history are left
#: out: a model fitted on three quarters errs unlike one fitted on nineteen (on the demo
#: panel's quarterly indicators they made the held-out pinball loss worse).
MIN_TRAINING_SHARE = 0.5
#: Weight of an origin's points relative to the next newer origin's: errors change over time
#: (the fertility panel's recent years are calmer than its earlier ones), and the newest
#: origin resembles the final fit most.
ORIGIN_DECAY = 0.5
#: Fewer points than this: no factor estimated (1 for an indicator, the indicator's for a
#: step).
MIN_POINTS = 10
#: Bounds of a factor: intervals are never narrowed (the backtest's few origins cannot
#: show that a model is over-cautious as surely as that it is over-confident; narrowing
#: also lowered the held-out coverage in bench/forecasting_intervals.py), nor widened more
#: than fivefold.
LOWEST_FACTOR, HIGHEST_FACTOR = 1.0, 5.0
FACTOR_COLUMNS = (
    "indicator",
    "model",
    "step",
    "points",
    "coverage_80",
    "coverage_95",
    "factor_80",
    "factor_95",
)


def conformal_quantile(
    scores: np.ndarray, level: float, weights: np.ndarray | None = None
) -> float:
    """The smallest score whose weighted share, counting one more point of weight 1 at
    infinity, reaches ``level`` (the largest score when none does).

    With equal weights this is the ``ceil((n + 1) level)``-th smallest score, split-conformal's
    finite-sample correction: with exchangeable scores a new point's falls at or below it with
    probability at least ``level``. Weights below 1 make older points count less
    (non-exchangeable conformal prediction, Barber et al. 2023).
    """
    scores = np.asarray(scores, dtype=float)
    if len(scores) == 0:
        return float("nan")
    weights = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(scores, kind="stable")
    shares = np.cumsum(weights[order]) / (weights.sum() + 1.0)
    position = int(np.searchsorted(shares, level - 1e-12))
    return float(scores[order][min(position, len(scores) - 1)])


def interval_scores(records: pd.DataFrame, level: int) -> np.ndarray:
    """Each point's error in half-widths of its ``level``% interval, on the actual's side.

    NaN where that half-width is zero or negative (no width to scale) or a value is missing.
    """
    lower_column, upper_column = LEVELS[level]
    actual = records["actual"].to_numpy(dtype=float)
    mean = records["mean"].to_numpy(dtype=float)
    above = actual >= mean
    width = np.where(
        above,
        records[upper_column].to_numpy(dtype=float) - mean,
        mean - records[lower_column].to_numpy(dtype=float),
    )
    tiny = 1e-12 * np.maximum(1.0, np.abs(mean))
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.abs(actual - mean) / width
    scores[~(width > tiny) | ~np.isfinite(scores)] = np.nan
    return scores


def _shrunk(
    scores: np.ndarray,
    weights: np.ndarray,
    level: int,
    prior: float,
    weight_of_data: float,
    min_points: int,
) -> float:
    """Log-factor: ``weight_of_data`` x the conformal quantile's log + the rest x ``prior``."""
    usable = np.isfinite(scores)
    if usable.sum() < max(int(min_points), 1):
        return prior
    # Every error zero: as narrow as the bounds allow (the clip in interval_factors).
    quantile = max(conformal_quantile(scores[usable], level / 100, weights[usable]), 1e-6)
    return weight_of_data * float(np.log(quantile)) + (1 - weight_of_data) * prior


def _effective_number(weights: np.ndarray) -> float:
    """Kish's effective number of equally weighted items: (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.square(weights).sum()) if len(weights) else 0.0


def interval_factors(
    records: pd.DataFrame,
    chosen: Mapping[str, str],
    starts: Mapping[str, pd.Period] | None = None,
    prior_points: float = PRIOR_POINTS,
    prior_origins: float = PRIOR_ORIGINS,
    min_points: int = MIN_POINTS,
    lowest: float = LOWEST_FACTOR,
    highest: float = HIGHEST_FACTOR,
    min_training_share: float = MIN_TRAINING_SHARE,
    origin_decay: float = ORIGIN_DECAY,
) -> pd.DataFrame:
    """Widening factors of the 80% and 95% half-widths, per indicator and step ahead.

    ``records`` are backtest records (:meth:`BacktestResult.to_frame`, combinations
    included), ``chosen`` the model chosen per indicator. One row per indicator and step
    the backtest evaluated (:data:`FACTOR_COLUMNS`), with the chosen model's backtest
    coverage before calibration; an indicator without records has no rows (factor 1).
    ``starts`` (the first observed period of each indicator) lets origins trained on less
    than ``min_training_share`` of the history be left out; without it all are used. A
    point of the k-th newest origin (k = 0 the newest) weighs ``origin_decay ** k``.
    """
    rows = []
    if records.empty:
        return pd.DataFrame(columns=list(FACTOR_COLUMNS))
    for indicator, model in sorted(chosen.items()):
        part = records[(records["indicator"] == indicator) & (records["model"] == model)]
        part = part[np.isfinite(part["actual"].to_numpy(float))]
        if starts is not None and indicator in starts and not part.empty:
            part = part[_training_share(part, starts[indicator]) >= min_training_share]
        if part.empty:
            continue
        steps = part["step"].to_numpy(dtype=int)
        scores = {level: interval_scores(part, level) for level in LEVELS}
        recency = pd.Series(part["origin"].to_numpy()).rank(method="dense").to_numpy() - 1
        weights = float(origin_decay) ** recency
        # Counted whole: the decay says which origins resemble the final fit best, not that
        # ten origins agreeing are worth three.
        origins = len(np.unique(recency))
        overall = {
            level: _shrunk(
                scores[level],
                weights,
                level,
                0.0,
                origins / (origins + prior_origins),
                min_points,
            )
            for level in LEVELS
        }
        for step in sorted(set(steps.tolist())):
            at_step = steps == step
            row = {
                "indicator": str(indicator),
                "model": str(model),
                "step": int(step),
                "points": int(at_step.sum()),
                "coverage_80": float(part.loc[at_step, "covered_80"].mean())
                if "covered_80" in part
                else float("nan"),
                "coverage_95": float(part.loc[at_step, "covered_95"].mean())
                if "covered_95" in part
                else float("nan"),
            }
            for level in LEVELS:
                points = _effective_number(weights[at_step])
                log_factor = _shrunk(
                    scores[level][at_step],
                    weights[at_step],
                    level,
                    overall[level],
                    points / (points + prior_points),
                    min_points,
                )
                row[f"factor_{level}"] = float(np.clip(np.exp(log_factor), lowest, highest))
            row["factor_95"] = max(row["factor_95"], row["factor_80"])
            rows.append(row)
    return pd.DataFrame(rows, columns=list(FACTOR_COLUMNS))


def _training_share(part: pd.DataFrame, start: pd.Period) -> np.ndarray:
    """Periods up to each record's cut-off over the periods of the whole history (whose
    last period is the latest actual value of the backtest)."""
    cutoffs = np.array([cutoff.ordinal for cutoff in part["cutoff"]], dtype=float)
    last = max(period.ordinal for period in part["period"])
    return (cutoffs - start.ordinal + 1) / (last - start.ordinal + 1)


def apply_interval_factors(frame: pd.DataFrame, factors: pd.DataFrame) -> pd.DataFrame:
    """Scale each forecast's half-widths by its indicator's factors at its step ahead.

    ``frame`` holds forecasts (:data:`forecasting.models.base.FORECAST_COLUMNS`) sorted by
    period within each series, the first row of a series one step ahead. A step beyond the
    calibrated ones takes the last calibrated step's factor; an indicator without factors
    is left as it is. The order lower_95 <= lower_80 <= mean <= upper_80 <= upper_95 is kept.
    """
    if frame.empty or factors.empty:
        return frame
    result = frame.copy()
    steps = result.groupby(["region", "indicator"], sort=False).cumcount().to_numpy() + 1
    factor = {level: np.ones(len(result)) for level in LEVELS}
    indicators = result["indicator"].astype(str).to_numpy()
    for indicator, rows in factors.groupby("indicator", sort=False):
        here = indicators == str(indicator)
        if not here.any():
            continue
        rows = rows.sort_values("step")
        known = rows["step"].to_numpy(dtype=int)
        # The calibrated step at or before each row's step (the first when before all).
        position = np.clip(np.searchsorted(known, steps[here], side="right") - 1, 0, None)
        for level in LEVELS:
            factor[level][here] = rows[f"factor_{level}"].to_numpy(dtype=float)[position]
    # The 95% half-width is widened at least as much as the 80% one. With few backtest
    # points both conformal quantiles can fall on the same largest error, which would put
    # the 95% bound on the 80% bound; the model's own spacing of its two intervals is kept.
    factor[95] = np.fmax(factor[95], factor[80])
    mean = result["mean"].to_numpy(dtype=float)
    bounds = {}
    for level, (lower_column, upper_column) in LEVELS.items():
        lower = result[lower_column].to_numpy(dtype=float)
        upper = result[upper_column].to_numpy(dtype=float)
        bounds[lower_column] = mean - factor[level] * (mean - lower)
        bounds[upper_column] = mean + factor[level] * (upper - mean)
    bounds["lower_95"] = np.fmin(bounds["lower_95"], bounds["lower_80"])
    bounds["upper_95"] = np.fmax(bounds["upper_95"], bounds["upper_80"])
    for column, values in bounds.items():
        result[column] = values
    return result
