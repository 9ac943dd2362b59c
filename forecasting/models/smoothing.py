"""Exponential smoothing with parameters shared by every region of an indicator.

Per-series ETS estimates its smoothing parameters from each series alone, by one-step
likelihood. On short, noisy regional series that overfits: a few survey waves cannot tell
an alpha of 0.1 from 0.6, and a series shorter than ``min_length`` gets no model at all.
Here the parameters are chosen **once per indicator** from a fixed grid, by the mean
absolute scaled error of the 1..``horizon``-step forecasts made in-sample from every origin
of every region: the criterion is the multi-step accuracy the forecasts are judged by, and
hundreds of origins vote instead of one series' handful. ``pooling="series"`` runs the same
search per series (``series_ets``, with steep damped trends, for smooth series). The
recursion runs for all grid points and all series at once in numpy, so a fit costs
milliseconds per series.

The grid: level gain alpha; optionally damped trends (gain beta, damping phi; off by
default when pooled); reversion of the level towards the series' running mean (factor rho
per step); with or without the indicator's seasonal profile; with or without splitting off
the movement common to all regions (smoothed and forecast on its own).

Start-up: the level gain is ``max(alpha, 1 / (k + 1))`` at a series' k-th value after its
first, so the level is the running mean of the first values until the exponential window is
the shorter one — a short series gets the mean of what it has rather than its first value.

Season: the indicator's seasonal profile (classical decomposition of each series holding two
full cycles, deviations from a centred moving average, averaged by calendar position, in
units of the series' scale, median over regions) is subtracted before smoothing and added
back to the forecasts; it is used when it lowers the criterion. Series too short for their
own profile still get the indicator's.

Intervals: empirical quantiles, per step, of the in-sample scaled errors of the chosen
parameters, pooled over the indicator's regions and multiplied by each series' scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.models.base import (
    INTERVAL_COLUMNS,
    INTERVAL_QUANTILES,
    BaseForecaster,
    Series,
    concat_frames,
    forecast_rows,
    make_warning,
    normal_bounds,
    season_length_for,
    sort_bounds,
)

#: Level gains tried (1.0 with no trend is the naive forecast).
ALPHAS = (0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.65, 1.0)
#: Trend gains and dampings tried by default (every pair, beside no trend). Gentle trends
#: suit noisy panels; ``series_ets`` adds steep ones for smooth series (fertility rates).
TREND_GAINS = (0.03, 0.08, 0.15, 0.3)
DAMPINGS = (0.8, 0.9, 0.98)
#: Reversion factors tried with the level-only triples: the forecast h steps ahead is
#: ``mean + rho**h * (level - mean)`` with ``mean`` the series' mean so far (1: no reversion).
REVERSIONS = (0.5, 0.75, 0.9)
#: Fewer in-sample errors than this at a step: interval from a normal fitted to the errors.
MIN_INTERVAL_ERRORS = 30
#: Groups with fewer series do not try a common part (it would be a series' own path).
MIN_COMMON_SERIES = 3
#: Size of the working arrays (parameters x series x periods) when series are chosen one by
#: one: about 32 MB of floats each.
MAX_CELLS = 4_000_000


class PooledExponentialSmoothingForecaster(BaseForecaster):
    """Damped-trend exponential smoothing, parameters chosen per indicator over all regions.

    Parameters
    ----------
    horizon : int
        Steps whose in-sample errors choose the parameters (forecasts may go further;
        their intervals then widen with the square root of the step).
    trend : {None, "auto"}
        None (default) smooths the level only; "auto" also tries damped additive trends.
        Pooled over noisy regional panels, in-sample trends mostly did not last (on the
        demo panel trends raised the backtest MASE from 1.48 to 1.61); per series on smooth
        series (fertility rates) they are what wins.
    seasonal : {"auto", None}
        "auto" tries the indicator's seasonal profile beside none (monthly and quarterly
        data); None never uses one.
    season_length : int or None
        Periods per cycle; None takes it from the frequency.
    pooling : {"indicator", "series"}
        Share the parameters among the regions of an indicator, or choose them per series.
    trend_gains, dampings : tuple of float
        Trend gains (beta) and dampings (phi) tried, every pair.
    reversions : tuple of float
        Reversion factors rho tried with the level-only settings (empty: none).
    common : {"auto", None}
        "auto" also tries splitting the series into the movement shared by the group
        (three series or more) and each series' own part; None never does.
    """

    @property
    def name(self) -> str:
        """Label in the ``model`` column: "pooled_ets", or "series_ets" chosen per series."""
        return "series_ets" if self.pooling == "series" else "pooled_ets"

    def __init__(
        self,
        horizon: int = 8,
        trend: str | None = None,
        seasonal: str | None = "auto",
        season_length: int | None = None,
        pooling: str = "indicator",
        trend_gains: tuple[float, ...] = TREND_GAINS,
        dampings: tuple[float, ...] = DAMPINGS,
        reversions: tuple[float, ...] = REVERSIONS,
        common: str | None = "auto",
    ) -> None:
        self.horizon = horizon
        self.trend = trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.pooling = pooling
        self.trend_gains = trend_gains
        self.dampings = dampings
        self.reversions = reversions
        self.common = common

    def _fit(self) -> None:
        if self.trend not in ("auto", None):
            raise ValueError(f"trend must be 'auto' or None, got {self.trend!r}")
        if self.seasonal not in ("auto", None):
            raise ValueError(f"seasonal must be 'auto' or None, got {self.seasonal!r}")
        if self.common not in ("auto", None):
            raise ValueError(f"common must be 'auto' or None, got {self.common!r}")
        if self.pooling not in ("indicator", "series"):
            raise ValueError(f"pooling must be 'indicator' or 'series', got {self.pooling!r}")
        if int(self.horizon) < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon}")
        pooled = self.pooling == "indicator"
        batches: dict[str, list[tuple[str, str]]] = {}
        for key, item in self.series_.items():
            batch = item.indicator if pooled else f"{item.frequency}/{self._season(item)}"
            batches.setdefault(batch, []).append(key)
        self.groups_: dict[str, list[tuple[str, str]]] = {}
        self.states_: dict[tuple[str, str], dict] = {}
        self.parameters_: dict[str, dict] = {}
        self.errors_: dict[str, np.ndarray] = {}
        grid_size = len(
            _grid(self.trend_gains if self.trend == "auto" else (), self.dampings, self.reversions)
        )
        for batch, keys in batches.items():
            if pooled:
                self._fit_batch(batch, keys, pooled)
                continue
            # Series chosen one by one share the recursion in chunks small enough that the
            # (parameters x series x periods) arrays stay near MAX_CELLS numbers each.
            items = [self.series_[key] for key in keys]
            span = max(i.start.ordinal + len(i.values) for i in items) - min(
                i.start.ordinal for i in items
            )
            size = max(1, MAX_CELLS // (grid_size * max(span, 1)))
            for start in range(0, len(keys), size):
                self._fit_batch(batch, keys[start : start + size], pooled)

    def _season(self, item: Series) -> int:
        if self.season_length is not None:
            if int(self.season_length) < 1:
                raise ValueError(f"season_length must be >= 1, got {self.season_length}")
            return int(self.season_length)
        return season_length_for(item.frequency)

    def _fit_batch(self, batch: str, keys: list[tuple[str, str]], pooled: bool) -> None:
        """Choose the parameters for the series of one batch: one set for all of them
        (``pooled``, the batch is an indicator) or one per series (series of one frequency,
        run together only to share the vectorised recursion)."""
        items = [self.series_[key] for key in keys]
        scales = _scales(items)
        for item in items:
            if not _own_scale(item.values) > 0:
                self.warnings_.append(
                    make_warning(
                        item,
                        self.name,
                        "pooled_scale",
                        "constant or single-value series: error scale and interval width "
                        "borrowed from the other series of the indicator",
                    )
                )
        # Series on a common calendar (columns are periods), in units of their scale.
        first = min(item.start.ordinal for item in items)
        length = max(item.start.ordinal + len(item.values) for item in items) - first
        n_series = len(items)
        values = np.full((n_series, length), np.nan)
        for row, (item, scale) in enumerate(zip(items, scales, strict=True)):
            offset = item.start.ordinal - first
            values[row, offset : offset + len(item.values)] = item.values / scale
        season = self._season(items[0])
        profiles: list[np.ndarray | None] = [None] * n_series
        components = {"none": np.zeros((n_series, length))}
        if self.seasonal == "auto" and season > 1:
            if pooled:
                profiles = [_pooled_profile(items, scales, season)] * n_series
            else:
                profiles = [
                    _pooled_profile([item], scale[None], season)
                    for item, scale in zip(items, scales, strict=True)
                ]
            if any(profile is not None for profile in profiles):
                positions = (first + np.arange(length)) % season
                components["profile"] = np.vstack(
                    [np.zeros(length) if p is None else p[positions] for p in profiles]
                )
        grid = _grid(
            self.trend_gains if self.trend == "auto" else (), self.dampings, self.reversions
        )
        horizon = int(self.horizon)
        rows = np.arange(n_series)
        # Fallback when no series has an origin to judge by (one or two values each).
        level, slope = _smooth(values, {name: column[:1] for name, column in grid.items()})
        best = {
            "score": np.full(n_series, np.inf),
            "variant": ["none"] * n_series,
            "common": [None] * n_series,
            "choice": np.zeros(n_series, dtype=int),
            "level": level[0],
            "slope": slope[0],
            "own": values.copy(),
        }
        try_common = pooled and self.common == "auto" and n_series >= MIN_COMMON_SERIES
        for variant, component in components.items():
            adjusted = values - component
            for common in (False, True) if try_common else (False,):
                shared = _common_part(adjusted, grid, horizon) if common else None
                own = adjusted - shared["path"][None, :] if common else adjusted
                level, slope = _smooth(own, grid)
                totals, counts = _criterion(
                    own, level, slope, grid, horizon, shared["offset"] if common else None
                )
                if pooled:
                    if counts.sum() == 0:
                        continue
                    scores = totals.sum(axis=1) / counts.sum()
                    choices = np.full(n_series, int(np.argmin(scores)))
                    row_scores = np.full(n_series, scores[choices[0]])
                    better = row_scores < best["score"]
                else:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        scores = totals / counts[None, :]
                    choices = np.argmin(np.where(np.isfinite(scores), scores, np.inf), axis=0)
                    row_scores = scores[choices, rows]
                    better = (counts > 0) & (row_scores < best["score"])
                for row in np.flatnonzero(better):
                    best["score"][row] = row_scores[row]
                    best["variant"][row] = variant
                    best["common"][row] = shared
                    best["choice"][row] = choices[row]
                    best["level"][row] = level[choices[row], row]
                    best["slope"][row] = slope[choices[row], row]
                    best["own"][row] = own[row]
        means = _running_mean(best["own"])
        # Series fitted one by one have a parameter set each: their in-sample errors are
        # computed together, each row with its own set (one call per series took a tenth of
        # a model choice on the fertility panel).
        row_errors = (
            None
            if pooled
            else _scaled_errors_by_row(
                best["own"],
                best["level"],
                best["slope"],
                {name: column[best["choice"]] for name, column in grid.items()},
                horizon,
            )
        )
        for row, (key, item) in enumerate(zip(keys, items, strict=True)):
            group = batch if pooled else "/".join(key)
            self.groups_.setdefault(group, []).append(key)
            shared = best["common"][row]
            if group not in self.parameters_:
                chosen = {name: float(column[best["choice"][row]]) for name, column in grid.items()}
                score = best["score"][row]
                self.parameters_[group] = {
                    **chosen,
                    "seasonal": best["variant"][row] == "profile",
                    "common": None if shared is None else shared["parameters"],
                    "criterion": float(score) if np.isfinite(score) else None,
                }
                self.errors_[group] = (
                    _scaled_errors(
                        best["own"],
                        best["level"],
                        best["slope"],
                        self.parameters_[group],
                        horizon,
                        None if shared is None else shared["offset"],
                    )
                    if row_errors is None
                    else row_errors[row]
                )
            last = item.start.ordinal + len(item.values) - 1 - first
            self.states_[key] = {
                "group": group,
                "level": float(best["level"][row, last]),
                "slope": float(best["slope"][row, last]),
                "mean": float(means[row, last]),
                "scale": float(scales[row]),
                "profile": profiles[row] if best["variant"][row] == "profile" else None,
                "season": season,
                "common": None
                if shared is None
                else {
                    "level": float(shared["level"][last]),
                    "slope": float(shared["slope"][last]),
                    "mean": float(shared["mean"][last]),
                    **shared["parameters"],
                },
            }

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        frames = []
        steps = np.arange(1, horizon + 1)
        quantiles = _step_quantiles(self.errors_, horizon)
        for key, state in self.states_.items():
            item = self.series_[key]
            mean = _ahead(state, self.parameters_[state["group"]], steps)
            if state["common"] is not None:
                mean = mean + _ahead(state["common"], state["common"], steps)
            if state["profile"] is not None:
                positions = (item.last.ordinal + steps) % state["season"]
                mean = mean + state["profile"][positions]
            mean = mean * state["scale"]
            spread = quantiles[state["group"]] * state["scale"]
            bounds = {
                column: mean + spread[:, number] for number, column in enumerate(INTERVAL_COLUMNS)
            }
            frames.append(sort_bounds(forecast_rows(item, mean, bounds, self.name)))
        return concat_frames(frames), []


def _own_scale(values: np.ndarray) -> float:
    """Mean absolute one-step change (NaN for fewer than two values)."""
    if len(values) < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(values))))


def _scales(items: list[Series]) -> np.ndarray:
    """Each series' scale; a constant or one-value series borrows the median scale of the
    other series of its indicator (same units), else 1% of its mean level, else 1."""
    own = np.array([_own_scale(item.values) for item in items])
    good = np.isfinite(own) & (own > 0)
    result = own.copy()
    for row in np.flatnonzero(~good):
        same = [
            other for other, item in enumerate(items)
            if good[other] and item.indicator == items[row].indicator
        ]  # fmt: skip
        level = float(np.mean(np.abs(items[row].values))) if items[row].values.size else 0.0
        if same:
            result[row] = float(np.median(own[same]))
        else:
            result[row] = level * 0.01 if level > 0 else 1.0
    return result


def _grid(trend_gains, dampings, reversions=REVERSIONS) -> dict[str, np.ndarray]:
    """Parameter sets tried: every alpha with no trend and with every (beta, phi) pair, and
    the level-only ones with every reversion factor."""
    trends = [(0.0, 1.0), *((beta, phi) for beta in trend_gains for phi in dampings)]
    rows = [(alpha, beta, phi, 1.0) for alpha in ALPHAS for beta, phi in trends]
    rows += [(alpha, 0.0, 1.0, rho) for alpha in ALPHAS for rho in reversions]
    table = np.array(rows, dtype=float)
    return {name: table[:, column] for column, name in enumerate(("alpha", "beta", "phi", "rho"))}


def _ahead(state: dict, parameters: dict, steps: np.ndarray) -> np.ndarray:
    """Forecast 1..h steps from a level, slope and running mean."""
    damping = np.cumsum(parameters["phi"] ** steps)
    reversion = parameters["rho"] ** steps
    return state["mean"] + reversion * (state["level"] - state["mean"]) + damping * state["slope"]


def _smooth(values: np.ndarray, grid: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Level and slope after each period, for every parameter triple and series at once.

    ``values`` is (series, period) on a common calendar, NaN before a series starts and
    after it ends (the state is carried unchanged there). Returns arrays (parameters,
    series, period); the level is NaN before a series' first value. The states are stored
    period-first (each step writes one contiguous block) and handed back as a view.
    """
    count, (n_series, length) = len(grid["alpha"]), values.shape
    level = np.empty((length, count, n_series))
    slope = np.empty((length, count, n_series))
    current = np.full((count, n_series), np.nan)
    trend = np.zeros((count, n_series))
    seen = np.zeros(n_series)
    alpha, beta, phi = grid["alpha"][:, None], grid["beta"][:, None], grid["phi"][:, None]
    damped_gain = np.empty((count, n_series))
    for time in range(length):
        observed = values[:, time]
        valid = np.isfinite(observed)
        updating = valid & (seen > 0)
        gain = np.maximum(alpha, 1.0 / (seen + 1.0))
        predicted = phi * trend
        predicted += current
        error = observed - predicted
        if updating.all():  # the usual case on a balanced panel: no masking needed
            np.multiply(gain, error, out=damped_gain)
            current = predicted + damped_gain
            trend *= phi
            trend += beta * damped_gain
        else:
            current = np.where(updating, predicted + gain * error, current)
            trend = np.where(updating, phi * trend + beta * gain * error, trend)
            current = np.where(valid & (seen == 0), observed, current)
        seen = seen + valid
        level[time] = current
        slope[time] = trend
    return np.moveaxis(level, 0, -1), np.moveaxis(slope, 0, -1)


def _running_mean(values: np.ndarray) -> np.ndarray:
    """Mean of each series' values so far (carried after its end, NaN before its start)."""
    finite = np.isfinite(values)
    total = np.cumsum(np.where(finite, values, 0.0), axis=1)
    count = np.cumsum(finite, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _origin_mask(values: np.ndarray) -> np.ndarray:
    """Periods that may serve as forecast origins: at least two values seen so far."""
    return np.cumsum(np.isfinite(values), axis=1) >= 2


def _forecasts(level, slope, means, parameters, step: int, damping):
    """Forecasts made at every origin for ``step`` periods later (origins axis last)."""
    reversion = parameters["rho"] ** step
    expand = (slice(None),) + (None,) * (level.ndim - 1) if np.ndim(reversion) else ()
    reversion = reversion[expand] if expand else reversion
    damping = damping[expand] if expand else damping
    return (
        means[..., :-step]
        + reversion * (level[..., :-step] - means[..., :-step])
        + damping * slope[..., :-step]
    )


def _criterion(values, level, slope, grid, horizon: int, offset=None):
    """Absolute errors (values are in scale units) of the 1..horizon-step forecasts from
    every origin: their sum per parameter set and series (parameters, series), and their
    count per series. ``offset[h - 1, t]`` is added to the forecast made at ``t`` for
    ``t + h`` (the common part's forecast error, when there is one).

    Written with in-place operations and one ``einsum`` per step (mask and sum in a single
    pass): this loop is most of a fit's time. Periods outside a series are masked, so their
    NaN are replaced by zeros first.
    """
    origins = _origin_mask(values)
    # Single precision for the error sums (relative error ~1e-7, far below any difference
    # that matters between grid points) halves the memory traffic of this loop.
    means = _zero_nan(_running_mean(values))[None].astype(np.float32)
    deviation = _zero_nan(level).astype(np.float32) - means
    slope = slope.astype(np.float32)
    actual = _zero_nan(values)[None].astype(np.float32)
    totals = np.zeros((len(grid["phi"]), values.shape[0]))
    counts = np.zeros(values.shape[0])
    damping = np.zeros(len(grid["phi"]))
    for step in range(1, min(horizon, values.shape[1] - 1) + 1):
        damping = damping + grid["phi"] ** step
        reversion = (grid["rho"] ** step).astype(np.float32)
        forecast = deviation[:, :, :-step] * reversion[:, None, None]
        forecast += slope[:, :, :-step] * damping.astype(np.float32)[:, None, None]
        forecast += means[:, :, :-step]
        if offset is not None:
            forecast += _zero_nan(offset[step - 1, :-step]).astype(np.float32)[None, None, :]
        np.subtract(actual[:, :, step:], forecast, out=forecast)
        np.abs(forecast, out=forecast)
        usable = (origins[:, :-step] & np.isfinite(values[:, step:])).astype(np.float32)
        totals += np.einsum("cst,st->cs", forecast, usable)
        counts += usable.sum(axis=1)
    return totals, counts


def _zero_nan(array: np.ndarray) -> np.ndarray:
    """NaN (periods outside a series, masked anyway) as 0; cheaper than np.nan_to_num."""
    return np.where(np.isnan(array), 0.0, array)


def _scaled_errors(values, level, slope, parameters, horizon: int, offset=None) -> np.ndarray:
    """Signed in-sample errors (actual - forecast, in scale units) by step, (horizon, n)
    NaN-padded, for one parameter triple (``level``, ``slope`` are (series, period))."""
    origins = _origin_mask(values)
    means = _running_mean(values)
    rows = []
    damping = 0.0
    for step in range(1, horizon + 1):
        damping += parameters["phi"] ** step
        if values.shape[1] <= step:
            rows.append(np.empty(0))
            continue
        forecast = _forecasts(level, slope, means, parameters, step, damping)
        if offset is not None:
            forecast = forecast + offset[step - 1, :-step][None, :]
        errors = values[:, step:] - forecast
        rows.append(errors[origins[:, :-step] & np.isfinite(errors)])
    width = max((len(row) for row in rows), default=0)
    result = np.full((horizon, width), np.nan)
    for step, row in enumerate(rows):
        result[step, : len(row)] = row
    return result


def _scaled_errors_by_row(values, level, slope, parameters, horizon: int) -> list[np.ndarray]:
    """:func:`_scaled_errors` of each row alone, its parameters taken from arrays over the
    rows (``parameters[name][row]``), computed for all rows in one pass."""
    origins = _origin_mask(values)
    means = _running_mean(values)
    count = values.shape[0]
    pieces: list[list[np.ndarray]] = [[] for _ in range(count)]
    damping = np.zeros(count)
    for step in range(1, horizon + 1):
        damping = damping + parameters["phi"] ** step
        if values.shape[1] <= step:
            for row in range(count):
                pieces[row].append(np.empty(0))
            continue
        reversion = parameters["rho"] ** step
        forecast = (
            means[:, :-step]
            + reversion[:, None] * (level[:, :-step] - means[:, :-step])
            + damping[:, None] * slope[:, :-step]
        )
        errors = values[:, step:] - forecast
        usable = origins[:, :-step] & np.isfinite(errors)
        for row in range(count):
            pieces[row].append(errors[row][usable[row]])
    result = []
    for rows in pieces:
        table = np.full((horizon, max((len(row) for row in rows), default=0)), np.nan)
        for step, row in enumerate(rows):
            table[step, : len(row)] = row
        result.append(table)
    return result


def _common_part(values, grid, horizon: int) -> dict:
    """The movement all series of the group share, and its smoothed forecasts.

    The path accumulates the mean one-step change over the series present in both periods
    (so a region entering or leaving the panel does not move it); it is far less noisy than
    any one region. It is smoothed with the grid parameter triple that forecasts the path
    itself best. ``offset[h - 1, t]`` is the path's forecast error at ``t`` for ``t + h``.
    """
    changes = np.diff(values, axis=1)
    counts = np.isfinite(changes).sum(axis=0)
    mean_change = np.where(counts > 0, np.nansum(changes, axis=0) / np.maximum(counts, 1), 0.0)
    path = np.concatenate([[0.0], np.cumsum(mean_change)])[None, :]
    level, slope = _smooth(path, grid)
    totals, _ = _criterion(path, level, slope, grid, horizon)
    choice = int(np.argmin(totals[:, 0]))
    parameters = {name: float(values_[choice]) for name, values_ in grid.items()}
    level, slope, means = level[choice], slope[choice], _running_mean(path)
    offset = np.full((horizon, path.shape[1]), np.nan)
    damping = 0.0
    for step in range(1, min(horizon, path.shape[1] - 1) + 1):
        damping += parameters["phi"] ** step
        forecast = _forecasts(level, slope, means, parameters, step, damping)
        offset[step - 1, :-step] = forecast[0] - path[0, step:]
    return {
        "path": path[0],
        "offset": offset,
        "level": level[0],
        "slope": slope[0],
        "mean": means[0],
        "parameters": parameters,
    }


def _step_quantiles(errors_by_group: dict[str, np.ndarray], horizon: int) -> dict[str, np.ndarray]:
    """Scaled offsets of the four interval bounds per step, (horizon, 4) for each group.

    Empirical quantiles where a step has enough in-sample errors; beyond that a normal
    interval whose spread grows with the square root of the step from the last step that
    had enough (or from all errors, or 1 when there are none). The quantiles of every group
    are taken in one call (per-group calls dominated ``series_ets``' time).
    """
    groups = list(errors_by_group)
    width = max([errors.shape[1] for errors in errors_by_group.values()] + [1])
    stacked = np.full((len(groups), horizon, width), np.nan)
    for number, group in enumerate(groups):
        errors = errors_by_group[group][:horizon]
        stacked[number, : errors.shape[0], : errors.shape[1]] = errors
    enough = np.isfinite(stacked).sum(axis=2) >= MIN_INTERVAL_ERRORS
    quantiles = np.zeros((len(groups), horizon, len(INTERVAL_COLUMNS)))
    spreads = np.full((len(groups), horizon), np.nan)
    if enough.any():
        rows = stacked[enough]
        quantiles[enough] = _row_quantiles(rows)
        spreads[enough] = np.sqrt(np.nanmean(rows**2, axis=1))
    result = {}
    for number, group in enumerate(groups):
        offsets = quantiles[number]
        reference_sigma, reference_step = None, 1
        for step in range(1, horizon + 1):
            if enough[number, step - 1]:
                reference_sigma, reference_step = float(spreads[number, step - 1]), step
                continue
            if reference_sigma is None:
                errors = errors_by_group[group]
                pooled = errors[np.isfinite(errors)] if errors.size else np.empty(0)
                reference_sigma = float(np.sqrt(np.mean(pooled**2))) if pooled.size else 1.0
            sigma = reference_sigma * np.sqrt(step / reference_step)
            bounds = normal_bounds(np.zeros(1), np.array([sigma]))
            offsets[step - 1] = [bounds[column][0] for column in INTERVAL_COLUMNS]
        result[group] = offsets
    return result


def _row_quantiles(rows: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear method) of each row's finite values at INTERVAL_QUANTILES,
    (rows, 4), vectorised: ``np.nanquantile`` along an axis loops over rows in Python."""
    ordered = np.sort(rows, axis=1)  # NaN last
    counts = np.isfinite(rows).sum(axis=1)
    result = np.empty((len(rows), len(INTERVAL_QUANTILES)))
    for number, quantile in enumerate(INTERVAL_QUANTILES):
        position = quantile * (counts - 1)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, counts - 1)
        fraction = position - low
        below = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
        above = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
        difference = above - below
        # numpy's interpolation, written the same way so the results agree to the bit
        result[:, number] = np.where(
            fraction >= 0.5, above - difference * (1 - fraction), below + difference * fraction
        )
    return result


def _decomposition_indices(values: np.ndarray, season: int) -> np.ndarray | None:
    """Classical additive seasonal indices by position in the series (None if < 2 cycles):
    mean deviation from the centred moving average, centred to sum to zero."""
    if len(values) < 2 * season:
        return None
    series = pd.Series(values)
    if season % 2 == 0:
        trend = series.rolling(season).mean().rolling(2).mean().shift(-(season // 2))
    else:
        trend = series.rolling(season, center=True).mean()
    deviations = (series - trend).to_numpy()
    positions = np.arange(len(values)) % season
    indices = np.array(
        [np.nanmean(deviations[positions == p]) if np.isfinite(deviations[positions == p]).any()
         else np.nan for p in range(season)]
    )  # fmt: skip
    if not np.all(np.isfinite(indices)):
        return None
    return indices - indices.mean()


def _pooled_profile(items: list[Series], scales: np.ndarray, season: int) -> np.ndarray | None:
    """The indicator's seasonal profile by calendar position, in units of series scale."""
    profiles = []
    for item, scale in zip(items, scales, strict=True):
        indices = _decomposition_indices(item.values, season)
        if indices is None:
            continue
        # Position p of the series is calendar position (start + p) % season.
        calendar = np.empty(season)
        calendar[(item.start.ordinal + np.arange(season)) % season] = indices / scale
        profiles.append(calendar)
    if not profiles:
        return None
    profile = np.median(np.vstack(profiles), axis=0)
    return profile - profile.mean()
