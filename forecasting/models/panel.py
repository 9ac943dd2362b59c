"""A two-way panel forecaster: the movement all regions share plus each region's own offset.

On quarterly survey shares the sampling noise is as large as the signal, and a smoothing
model must judge a region's level from its own few noisy values. Here the regions of an
indicator are read together: each value is split into the movement common to all regions
(the path of the mean one-step change over the regions present in both periods, as in
:mod:`forecasting.models.smoothing`) and the region's offset from that path. The forecast is
the region's mean offset — shrunk towards the mean offset of all regions by empirical Bayes
(James-Stein): weight ``tau2 / (tau2 + s2 / T)``, with ``tau2`` the spread of the true
offsets between regions and ``s2 / T`` the noise in one region's mean of ``T`` values —
plus the common path's last value (``common="last"``) or its mean over the last season
(``common="season_mean"``, which averages the seasonal swing away; one period for annual
data), plus the share of the region's last deviation from its offset that deviations keep
``h`` steps later (pooled over the regions, per step). The noise variance ``s2`` is estimated from the offsets' own scatter (pooled over the
regions), which holds both the sampling noise and the region's own short-lived movements;
the survey sample sizes ``n`` are not used (the data contract's minimal columns do not carry
them to the models, and the scatter already contains the sampling variance).

It is deliberately simple: it ignores a region's recent movements, which the smoothing
models follow, so it is a different opinion to average with them (``AutoForecaster``'s
combinations) as much as a model in its own right. Intervals are normal, with the variance
of the offsets' scatter, of the offset estimate and of ``h`` one-step moves of the path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.models.base import (
    BaseForecaster,
    Series,
    concat_frames,
    forecast_rows,
    normal_bounds,
    season_length_for,
)
from forecasting.models.smoothing import _decomposition_indices

#: Fewer regions than this: no shrinkage (the spread between regions cannot be estimated).
MIN_SHRINK_SERIES = 3


class PanelMeanForecaster(BaseForecaster):
    """Common path of an indicator's regions plus each region's (shrunk) mean offset.

    Parameters
    ----------
    common : {"last", "season_mean"}
        Forecast of the common path: its last value, or its mean over the last season
        (``season_length`` periods).
    shrink : bool
        Shrink each region's mean offset towards the mean offset of the indicator's regions
        by empirical Bayes (no shrinkage with fewer than three regions).
    seasonal : bool
        Add the common path's seasonal indices (classical decomposition of the path, which
        averages all regions and so needs no more than two cycles) to its forecast, after
        taking them out of the values it starts from.
    persistence : bool
        Add the part of the region's last deviation from its offset that, by the pooled
        regression of deviations ``h`` steps apart (one coefficient per step, in [0, 1]),
        is still there ``h`` steps on: a region's own shocks fade rather than vanish.
    season_length : int or None
        Periods per cycle; None takes it from the frequency.
    log_positive : bool
        Model the logarithm of an indicator whose values are all positive (seasonal swing,
        trend and regional offsets as proportions of the level); forecasts and bounds are
        transformed back (the forecast is then the median).
    """

    @property
    def name(self) -> str:
        """Label in the ``model`` column: "panel_last" or "panel_mean"."""
        return "panel_last" if self.common == "last" else "panel_mean"

    def __init__(
        self,
        common: str = "last",
        shrink: bool = True,
        seasonal: bool = True,
        persistence: bool = True,
        season_length: int | None = None,
        log_positive: bool = False,
    ) -> None:
        self.common = common
        self.shrink = shrink
        self.seasonal = seasonal
        self.persistence = persistence
        self.season_length = season_length
        self.log_positive = log_positive

    def _fit(self) -> None:
        if self.common not in ("last", "season_mean"):
            raise ValueError(f"common must be 'last' or 'season_mean', got {self.common!r}")
        if self.season_length is not None and int(self.season_length) < 1:
            raise ValueError(f"season_length must be >= 1, got {self.season_length}")
        groups: dict[str, list[tuple[str, str]]] = {}
        for key, item in self.series_.items():
            groups.setdefault(f"{item.indicator}/{item.frequency}", []).append(key)
        self.states_: dict[tuple[str, str], dict[str, float]] = {}
        self.weights_: dict[str, np.ndarray] = {}
        self.groups_: dict[tuple[str, str], str] = {}
        self.profiles_: dict[tuple[str, str], np.ndarray] = {}
        self.persistence_: dict[str, np.ndarray] = {}
        self.logged_: dict[str, bool] = {}
        for group, keys in groups.items():
            self._fit_group(group, keys)

    def _fit_group(self, group: str, keys: list[tuple[str, str]]) -> None:
        items = [self.series_[key] for key in keys]
        values, first = on_common_calendar(items)
        logged = bool(self.log_positive and np.all(values[np.isfinite(values)] > 0))
        if logged:
            values = np.log(values)
        self.logged_[group] = logged
        length = values.shape[1]
        path = common_path(values)
        deviations = values - path[None, :]
        counts = np.isfinite(deviations).sum(axis=1)
        offsets = np.nanmean(deviations, axis=1)
        residuals = deviations - offsets[:, None]
        degrees = max(int(counts.sum()) - len(items), 1)
        scatter = float(np.nansum(residuals**2)) / degrees  # s2, pooled over the regions
        noise = scatter / counts  # variance of each region's mean offset
        weights = np.ones(len(items))
        if self.shrink and len(items) >= MIN_SHRINK_SERIES:
            between = float(np.var(offsets, ddof=1)) - float(np.mean(noise))
            spread = max(between, 0.0)
            weights = spread / (spread + noise) if spread > 0 else np.zeros(len(items))
        centre = float(np.mean(offsets))
        shrunk = centre + weights * (offsets - centre)
        season = self._season(items[0])
        indices = None
        if self.seasonal and season > 1:
            indices = _decomposition_indices(path, season)
        profile = np.zeros(max(season, 1)) if indices is None else indices
        adjusted = path - profile[np.arange(length) % len(profile)]
        changes = np.diff(adjusted)
        move = float(np.mean(changes**2)) if changes.size else 0.0
        betas = _persistence(residuals) if self.persistence else np.zeros(0)
        self.persistence_[group] = betas
        for row, (key, item) in enumerate(zip(keys, items, strict=True)):
            last = item.start.ordinal + len(item.values) - 1 - first
            window = 1 if self.common == "last" else season
            level = float(np.mean(adjusted[max(0, last - window + 1) : last + 1]))
            self.states_[key] = {
                "mean": float(shrunk[row] + level),
                "scatter": scatter,
                "estimate": float(weights[row] ** 2 * noise[row]),
                "move": move,
                "position": (last + 1) % len(profile),
                "residual": float(residuals[row, last])
                if np.isfinite(residuals[row, last])
                else 0.0,
            }
            self.profiles_[key] = profile
        self.weights_[group] = weights
        for key in keys:
            self.groups_[key] = group

    def _season(self, item: Series) -> int:
        if self.season_length is not None:
            return int(self.season_length)
        return season_length_for(item.frequency)

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        frames = []
        steps = np.arange(1, horizon + 1)
        for key, state in self.states_.items():
            profile = self.profiles_[key]
            positions = (int(state["position"]) + steps - 1) % len(profile)
            mean = state["mean"] + profile[positions]
            betas = self.persistence_[self.groups_[key]]
            carried = np.zeros(horizon)
            carried[: min(horizon, len(betas))] = betas[:horizon]
            mean = mean + carried * state["residual"]
            sigma = np.sqrt(state["scatter"] + state["estimate"] + steps * state["move"])
            # normal bounds around the mean are ordered already (and stay so through exp)
            bounds = normal_bounds(mean, sigma)
            if self.logged_[self.groups_[key]]:
                mean = np.exp(mean)
                bounds = {column: np.exp(bound) for column, bound in bounds.items()}
            frames.append(forecast_rows(self.series_[key], mean, bounds, self.name))
        return concat_frames(frames), []


def on_common_calendar(items: list[Series]) -> tuple[np.ndarray, int]:
    """The series as rows of one (series, period) array from the earliest start to the latest
    end, NaN outside each series; and the period ordinal of its first column."""
    first = min(item.start.ordinal for item in items)
    length = max(item.start.ordinal + len(item.values) for item in items) - first
    values = np.full((len(items), length), np.nan)
    for row, item in enumerate(items):
        offset = item.start.ordinal - first
        values[row, offset : offset + len(item.values)] = item.values
    return values, first


def common_path(values: np.ndarray) -> np.ndarray:
    """Cumulated mean one-step change over the series present in both periods.

    ``values`` is (series, period) on a common calendar, NaN outside a series. A region
    entering or leaving the panel does not move the path (a plain cross-regional mean would
    jump). Periods with no change to average keep the path flat.
    """
    changes = np.diff(values, axis=1)
    present = np.isfinite(changes)
    totals = np.where(present, changes, 0.0).sum(axis=0)
    counts = present.sum(axis=0)
    mean_change = np.where(counts > 0, totals / np.maximum(counts, 1), 0.0)
    return np.concatenate([[0.0], np.cumsum(mean_change)])


def _persistence(residuals: np.ndarray, max_step: int = 24) -> np.ndarray:
    """How much of a region's last deviation from its offset is still there ``h`` steps on:
    the pooled regression coefficient of the deviation at ``t + h`` on that at ``t``, per
    ``h`` (horizon-direct), clipped to [0, 1]."""
    length = residuals.shape[1]
    betas = []
    for step in range(1, min(max_step, length - 1) + 1):
        now, later = residuals[:, :-step], residuals[:, step:]
        both = np.isfinite(now) & np.isfinite(later)
        denominator = float(np.sum(np.where(both, now**2, 0.0)))
        numerator = float(np.sum(np.where(both, now * later, 0.0)))
        betas.append(min(max(numerator / denominator, 0.0), 1.0) if denominator > 0 else 0.0)
    return np.array(betas)
