"""Regional panel model: the movement all regions share, plus each region's random level and
its own AR(1) deviation, estimated jointly over the regions by maximum likelihood.

Regional statistics are a common (national) movement, persistent regional differences and
each region's own short-lived swings, all seen through sampling noise. On short series the
hard part is telling a region's lasting level from its current swing and from noise: a
region's mean over eleven quarters is still far from its lasting level when its own swings
last a year, and its last value is mostly noise when the survey is small. This model states
that structure and lets the panel estimate it (the small-area model of Rao and Yu, 1994:
random region effects plus AR(1) time effects):

* the common path ``c_t`` of an indicator is the cumulated mean one-step change over the
  regions present in both periods (:func:`forecasting.models.panel.common_path`), minus its
  classical seasonal indices (the path averages all regions, so two cycles give usable
  indices); it is forecast by its last seasonally adjusted value (a random walk: national
  movements did not settle on any predictable schedule in the backtests, and choosing a
  reversion or a smoothing gain from a short path overfitted it);
* each region's deviation from the path, ``d_rt = m + a_r + x_rt + e_rt``, is a region level
  ``a_r`` (variance ``tau2``), an AR(1) state ``x_rt`` (persistence ``phi``, variance ``s2``)
  and noise ``e_rt`` (variance ``n2``). The four parameters are shared by the indicator's
  regions and chosen by Gaussian maximum likelihood over all of them (a grid over ``phi``
  and the variance shares, the overall variance profiled out), which uses every region's
  whole record rather than one region's handful of values;
* the forecast of a region's deviation ``h`` steps after its last value is its conditional
  expectation given all its values (best linear prediction): the level estimate is shrunk
  towards the panel mean as far as the noise and the persistent swings call for, and the
  current swing decays by ``phi ** h``. Its variance is the conditional variance.

Forecast = common path's last adjusted value + seasonal index + deviation forecast.
Intervals are normal, with the deviation's conditional variance plus the path's in-sample
random-walk error variance at ``h`` steps (mean squared ``h``-step change of the adjusted
path; beyond the path's length it grows in proportion to ``h``). Everything is vectorised
per indicator (one eigendecomposition of the AR(1) correlation per ``phi`` and pattern of
observed periods), so a fit costs milliseconds per indicator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg

from forecasting.models.base import (
    BaseForecaster,
    Series,
    concat_frames,
    forecast_rows,
    make_warning,
    normal_bounds,
    season_length_for,
)
from forecasting.models.panel import common_path, on_common_calendar
from forecasting.models.smoothing import _decomposition_indices

#: Persistence values tried for the regions' own deviations (per period).
PERSISTENCES = (0.0, 0.2, 0.4, 0.55, 0.7, 0.8, 0.88, 0.94, 0.98)
#: Step of the grid of variance shares (level, AR state, noise; they sum to one).
SHARE_STEP = 0.05
#: The deviations' variances and persistence are estimated on at most this many latest
#: periods (20 years of months): the likelihood diagonalises a periods x periods matrix per
#: persistence, and 61 years of monthly El Nino data (732 periods) took 24 s to backtest
#: with every period; 240 take well under a second and leave far more data than the five
#: numbers estimated need. The forecast still conditions on every observed deviation.
MAX_FIT_PERIODS = 240
#: A group spanning fewer periods than this has no path to follow: naive forecast.
MIN_PERIODS = 2
#: Deviation model of a group with one series: its constant offset from its own path.
LONE_SERIES = {"mean": 0.0, "phi": 0.0, "level": 0.0, "ar": 0.0, "noise": 0.0}


class PanelAutoregressiveForecaster(BaseForecaster):
    """Common path (random walk) plus each region's shrunk level and decaying own swing.

    Parameters
    ----------
    seasonal : bool
        Take the common path's classical seasonal indices out of it (monthly and quarterly
        data with two full cycles) and add them back to the forecasts.
    season_length : int or None
        Periods per cycle; None takes it from the frequency.
    log_positive : bool
        Model the logarithm of an indicator whose values are all positive, so that its
        seasonal swing, trend and regional differences are proportions of the level (a
        region with twice the rate swings twice as much in units, as rates and shares
        usually do); forecasts and bounds are transformed back (the forecast is then the
        median). An indicator with a zero or negative value is modelled as it is.
    """

    name = "panel_ar"

    def __init__(
        self, seasonal: bool = True, season_length: int | None = None, log_positive: bool = False
    ) -> None:
        self.seasonal = seasonal
        self.season_length = season_length
        self.log_positive = log_positive

    def _season(self, item: Series) -> int:
        if self.season_length is not None:
            return int(self.season_length)
        return season_length_for(item.frequency)

    def _fit(self) -> None:
        if self.season_length is not None and int(self.season_length) < 1:
            raise ValueError(f"season_length must be >= 1, got {self.season_length}")
        groups: dict[str, list[tuple[str, str]]] = {}
        for key, item in self.series_.items():
            groups.setdefault(f"{item.indicator}/{item.frequency}", []).append(key)
        self.states_: dict[tuple[str, str], dict] = {}
        self.parameters_: dict[str, dict] = {}
        self.paths_: dict[str, np.ndarray] = {}
        for group, keys in groups.items():
            self._fit_group(group, keys)

    def _fit_group(self, group: str, keys: list[tuple[str, str]]) -> None:
        items = [self.series_[key] for key in keys]
        values, first = on_common_calendar(items)
        length = values.shape[1]
        if length < MIN_PERIODS:
            self._fit_naive(group, keys, items)
            return
        logged = bool(self.log_positive and np.all(values[np.isfinite(values)] > 0))
        if logged:
            values = np.log(values)
        if len(items) == 1:
            self.warnings_.append(
                make_warning(
                    items[0],
                    self.name,
                    "single_series",
                    "the only series of its indicator: no panel to read it with, so the "
                    "forecast is its last (seasonally adjusted) value",
                )
            )
        path = common_path(values)
        season = self._season(items[0])
        indices = _decomposition_indices(path, season) if self.seasonal and season > 1 else None
        profile = np.zeros(max(season, 1)) if indices is None else indices
        adjusted = path - profile[np.arange(length) % len(profile)]
        deviations = values - path[None, :]
        # One region: its deviation from its own path is constant, nothing to estimate.
        model = (
            fit_deviations(deviations[:, -MAX_FIT_PERIODS:])
            if len(items) > 1
            else dict(LONE_SERIES)
        )
        self.parameters_[group] = {**model, "seasonal": indices is not None, "logged": logged}
        self.paths_[group] = adjusted
        for row, (key, item) in enumerate(zip(keys, items, strict=True)):
            last = item.start.ordinal + len(item.values) - 1 - first
            self.states_[key] = {
                "group": group,
                "common": float(adjusted[last]),
                "profile": profile,
                "position": (last + 1) % len(profile),
                "deviations": deviations[row, : last + 1],
                "last": last,
            }

    def _fit_naive(self, group: str, keys: list[tuple[str, str]], items: list[Series]) -> None:
        """One period only: last value, interval from the spread between the regions."""
        lasts = np.array([item.values[-1] for item in items])
        spread = float(np.std(lasts, ddof=1)) if len(lasts) >= 2 else 0.0
        self.parameters_[group] = {"naive": True, "spread": spread}
        for key, item in zip(keys, items, strict=True):
            self.warnings_.append(
                make_warning(
                    item,
                    self.name,
                    "fallback",
                    "its indicator has a single period: naive forecast, interval from the "
                    "spread of the regions' values"
                    + ("" if spread > 0 else " (zero width: nothing to measure it by)"),
                    code=(
                        "run.fallback.single_period"
                        if spread > 0
                        else "run.fallback.single_period_zero"
                    ),
                )
            )
            self.states_[key] = {"group": group, "common": float(item.values[-1])}

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        frames = []
        steps = np.arange(1, horizon + 1)
        path_variances = {
            group: random_walk_variance(path, horizon) for group, path in self.paths_.items()
        }
        solved: dict[object, dict] = {}  # per group: deviation weights by observed pattern
        for key, state in self.states_.items():
            parameters = self.parameters_[state["group"]]
            if parameters.get("naive"):
                mean = np.full(horizon, state["common"])
                sigma = np.full(horizon, parameters["spread"])
            else:
                profile = state["profile"]
                seasonal = profile[(state["position"] + steps - 1) % len(profile)]
                own, own_variance = predict_deviation(
                    parameters,
                    state["deviations"],
                    state["last"],
                    steps,
                    solved.setdefault(state["group"], {}),
                )
                mean = state["common"] + seasonal + own
                sigma = np.sqrt(own_variance + path_variances[state["group"]])
            # normal bounds around the mean are ordered already (and stay so through exp)
            bounds = normal_bounds(mean, sigma)
            if parameters.get("logged"):
                mean = np.exp(mean)
                bounds = {column: np.exp(bound) for column, bound in bounds.items()}
            frames.append(forecast_rows(self.series_[key], mean, bounds, self.name))
        return concat_frames(frames), []


def _share_grid() -> np.ndarray:
    """(level share, AR share) pairs; the noise share ``1 - both`` is kept above zero."""
    ticks = np.arange(0.0, 1.0 + 1e-9, SHARE_STEP)
    return np.array([(a, x) for a in ticks for x in ticks if a + x <= 1.0 - SHARE_STEP + 1e-9])


def fit_deviations(deviations: np.ndarray) -> dict[str, float]:
    """Maximum likelihood of ``d_rt = m + a_r + x_rt + e_rt`` over the regions (rows).

    ``m`` is the mean of all deviations. For each persistence and each pattern of observed
    periods the AR(1) correlation ``A`` is diagonalised once (``A = Q L Q'``); then for every
    variance share pair the covariance ``s2 A + n2 I`` is diagonal in that basis and the
    region level (``tau2 11'``) is a rank-one update (Sherman-Morrison, matrix determinant
    lemma), so the whole grid costs a few matrix products. The overall variance is profiled
    out (its estimate is the mean quadratic form).
    """
    finite = np.isfinite(deviations)
    mean = float(np.mean(deviations[finite])) if finite.any() else 0.0
    centred = deviations - mean
    shares = _share_grid()
    level_share, ar_share = shares[:, 0], shares[:, 1]
    noise_share = 1.0 - level_share - ar_share
    patterns: dict[tuple[int, ...], list[int]] = {}
    for row in range(centred.shape[0]):
        observed = tuple(int(t) for t in np.flatnonzero(finite[row]))
        if observed:
            patterns.setdefault(observed, []).append(row)
    count = sum(len(pattern) * len(rows) for pattern, rows in patterns.items())
    best: tuple[float, float, np.ndarray, float] | None = None
    for persistence in PERSISTENCES:
        quadratic = np.zeros(len(shares))
        log_determinant = np.zeros(len(shares))
        for pattern, rows in patterns.items():
            times = np.array(pattern, dtype=float)
            correlation = persistence ** np.abs(times[:, None] - times[None, :])
            eigenvalues, vectors = linalg.eigh(correlation)
            ones = vectors.T @ np.ones(len(times))
            projected = vectors.T @ centred[np.ix_(rows, list(pattern))].T  # (periods, rows)
            diagonal = ar_share[:, None] * eigenvalues[None, :] + noise_share[:, None]
            inverse = 1.0 / diagonal
            ones_ones = inverse @ ones**2
            values_values = inverse @ np.sum(projected**2, axis=1)
            ones_values = inverse @ (ones[:, None] * projected)  # (shares, rows)
            update = 1.0 + level_share * ones_ones
            quadratic += values_values - level_share * np.sum(ones_values**2, axis=1) / update
            log_determinant += len(rows) * (np.sum(np.log(diagonal), axis=1) + np.log(update))
        scale = quadratic / max(count, 1)
        likelihood = -0.5 * (count * np.log(np.maximum(scale, 1e-300)) + log_determinant)
        index = int(np.argmax(likelihood))
        if best is None or likelihood[index] > best[0]:
            best = (float(likelihood[index]), persistence, shares[index], float(scale[index]))
    if best is None:  # no deviation observed at all
        return {"mean": mean, "phi": 0.0, "level": 0.0, "ar": 0.0, "noise": 0.0}
    _, persistence, share, scale = best
    return {
        "mean": mean,
        "phi": float(persistence),
        "level": float(share[0] * scale),
        "ar": float(share[1] * scale),
        "noise": float((1.0 - share[0] - share[1]) * scale),
    }


def predict_deviation(
    parameters: dict[str, float],
    deviations: np.ndarray,
    last: int,
    steps: np.ndarray,
    cache: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional mean and variance of a region's deviation ``last + steps`` given its
    observed deviations (NaN where not observed; positions are periods).

    The weights and the variance depend on the observed positions, not on the values: the
    regions of a complete panel share them, so ``cache`` (one dict per set of parameters)
    keeps them per pattern and the linear system is solved once, not once per region.
    """
    observed = np.flatnonzero(np.isfinite(deviations))
    level, ar, noise = parameters["level"], parameters["ar"], parameters["noise"]
    total = level + ar + noise
    if observed.size == 0 or total <= 0:
        # no variance to weigh by: the region's own mean deviation (constant when total is 0)
        centre = float(np.mean(deviations[observed])) if observed.size else parameters["mean"]
        return np.full(len(steps), centre), np.full(len(steps), max(total, 0.0))
    key = (observed.tobytes(), int(last), steps.tobytes())
    found = cache.get(key) if cache is not None else None
    if found is None:
        times = observed.astype(float)
        lags = np.abs(times[:, None] - times[None, :])
        covariance = level + ar * parameters["phi"] ** lags + noise * np.eye(len(times))
        targets = last + steps.astype(float)
        cross = level + ar * parameters["phi"] ** (targets[:, None] - times[None, :])
        weights = linalg.solve(covariance, cross.T, assume_a="pos")  # (periods, steps)
        variance = np.maximum(total - np.sum(cross.T * weights, axis=0), 0.0)
        found = (weights, variance)
        if cache is not None:
            cache[key] = found
    weights, variance = found
    mean = parameters["mean"] + weights.T @ (deviations[observed] - parameters["mean"])
    return mean, variance


def random_walk_variance(path: np.ndarray, horizon: int) -> np.ndarray:
    """Mean squared ``h``-step change of the path, h = 1..horizon, never below the step
    before (few long changes can be small by chance); steps the path is too short for grow
    in proportion to ``h`` from the last one it has (0 for a flat path)."""
    variances = np.zeros(horizon)
    reference, reference_step = 0.0, 1
    for step in range(1, horizon + 1):
        if step < len(path):
            changes = path[step:] - path[:-step]
            reference, reference_step = max(float(np.mean(changes**2)), reference), step
            variances[step - 1] = reference
        else:
            variances[step - 1] = reference * step / reference_step
    return variances
