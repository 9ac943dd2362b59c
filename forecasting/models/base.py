"""Shared machinery of the forecasters: series extraction, forecast results, interval maths.

Every forecaster takes the tidy observations frame of the data contract (``region``,
``period``, ``indicator``, ``value``) and returns a :class:`ForecastResult` whose frame has one
row per series and future period. Keeping the frame shape identical across models is what lets
the backtest, the model selection and the web app treat all models alike.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

#: Keys of a forecast block (:func:`forecast_rows`) that carry its periods.
BLOCK_ORDINAL, BLOCK_FREQUENCY = "period_ordinal", "period_frequency"

FORECAST_COLUMNS = (
    "region",
    "indicator",
    "period",
    "mean",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "model",
)
INTERVAL_COLUMNS = ("lower_95", "lower_80", "upper_80", "upper_95")
#: Probability level of each interval bound, in the order of ``INTERVAL_COLUMNS``.
INTERVAL_QUANTILES = (0.025, 0.1, 0.9, 0.975)
Z_80 = float(stats.norm.ppf(0.9))
Z_95 = float(stats.norm.ppf(0.975))
REQUIRED_COLUMNS = ("region", "period", "indicator", "value")
SEASON_LENGTHS = {"M": 12, "Q": 4, "Y": 1, "A": 1, "W": 52, "D": 7}

SeriesKey = tuple[str, str]


@dataclass
class ForecastResult:
    """Forecasts of many series, with the warnings raised while producing them.

    ``frame`` holds :data:`FORECAST_COLUMNS`; ``warnings`` holds one dict per problem
    (``region``, ``indicator``, ``model``, ``category``, ``message``) so that a caller can show
    which series fell back to a baseline instead of reading a wall of repeated messages.
    """

    frame: pd.DataFrame
    warnings: list[dict[str, str]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        frame = self.frame
        if frame.empty:
            return "No forecasts."
        steps = frame.groupby(["region", "indicator"], sort=False).size()
        lines = [
            f"Forecasts for {len(steps)} series, {int(steps.max())} periods ahead "
            f"({frame['period'].min()} .. {frame['period'].max()}).",
            "Model per series: "
            + ", ".join(
                f"{name}: {count}"
                for name, count in frame.drop_duplicates(["region", "indicator"])["model"]
                .value_counts()
                .items()
            ),
        ]
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines.extend(f"  - {summarise_warning(item)}" for item in self.warnings[:10])
            if len(self.warnings) > 10:
                lines.append(f"  ... and {len(self.warnings) - 10} more")
        return "\n".join(lines)


def summarise_warning(item: dict[str, str]) -> str:
    where = "/".join(part for part in (item.get("region"), item.get("indicator")) if part)
    prefix = f"[{item.get('model', '')}] {where}: " if where else f"[{item.get('model', '')}] "
    return prefix + str(item.get("message", ""))


_ORIGIN_PREFIX = re.compile(r"^origin (\d+): ")


def warning_lines(items: Iterable[dict[str, object]]) -> list[str]:
    """One line per distinct problem: warnings that differ only in the model that met it or
    the backtest origin (``origin 2: ...``) are one line naming the models and origins.

    A gap filled by interpolation is met by every candidate at every origin and in the final
    fit: listed one by one, it filled the first lines of ``forecast`` and the summaries and
    pushed what else there was to say out of sight.
    """
    groups: dict[tuple[str, str, str, str], dict[str, object]] = {}
    for item in items:
        message = str(item.get("message", ""))
        match = _ORIGIN_PREFIX.match(message)
        text = message[match.end() :] if match else message
        key = (
            str(item.get("region") or ""),
            str(item.get("indicator") or ""),
            str(item.get("category") or ""),
            text,
        )
        group = groups.setdefault(key, {"models": [], "origins": [], "final": False})
        model = str(item.get("model", ""))
        if model not in group["models"]:
            group["models"].append(model)
        if match is None:
            group["final"] = True
        elif int(match.group(1)) not in group["origins"]:
            group["origins"].append(int(match.group(1)))
    lines = []
    for (region, indicator, _, text), group in groups.items():
        where = "/".join(part for part in (region, indicator) if part)
        line = f"[{', '.join(group['models'])}] " + (f"{where}: {text}" if where else text)
        if group["origins"]:
            origins = ", ".join(str(origin) for origin in sorted(group["origins"]))
            line += f" (backtest origin(s) {origins}" + (
                " and the final fit)" if group["final"] else ")"
            )
        lines.append(line)
    return lines


def warnings_heading(items: list[dict[str, object]], lines: list[str], shown: int) -> str:
    """``18 warning(s) about 1 problem:`` above the first ``shown`` of :func:`warning_lines`."""
    about = f" about {len(lines)} problem(s)" if len(lines) < len(items) else ""
    return f"{len(items)} warning(s){about}" + (", e.g.:" if len(lines) > shown else ":")


def season_length_for(frequency: str) -> int:
    """Number of periods in a year for a pandas frequency string ("M", "Q-DEC", "Y-DEC")."""
    return SEASON_LENGTHS.get(frequency[:1].upper(), 1)


def frequency_of_index(index: pd.PeriodIndex) -> str:
    return index.freqstr[:1].upper()


@dataclass(frozen=True)
class Series:
    """One regular series: values on consecutive periods, interior gaps filled linearly.

    Frozen: models fitted at one backtest origin share these objects (``sharing_series``).
    """

    region: str
    indicator: str
    values: np.ndarray
    start: pd.Period
    filled: int = 0

    @property
    def frequency(self) -> str:
        return self.start.freqstr[:1].upper()

    @property
    def last(self) -> pd.Period:
        return self.start + (len(self.values) - 1)


def check_observations(observations: pd.DataFrame) -> pd.DataFrame:
    """Check the columns a forecaster needs, dropping missing values.

    The full contract check lives in :mod:`forecasting.contract`; this is the minimal guard a
    model needs so that it fails with a message rather than a KeyError deep inside pandas.
    """
    if not isinstance(observations, pd.DataFrame):
        raise TypeError(
            f"observations must be a pandas DataFrame, got {type(observations).__name__}"
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in observations.columns]
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(missing)}")
    frame = observations.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame = frame[np.isfinite(frame["value"])]
    if frame.empty:
        raise ValueError("observations hold no finite values to forecast from")
    frame["region"] = frame["region"].astype(str)
    frame["indicator"] = frame["indicator"].astype(str)
    if isinstance(frame["period"].dtype, pd.PeriodDtype):  # one frequency: compare ordinals
        keys = pd.DataFrame(
            {
                "region": frame["region"].to_numpy(),
                "indicator": frame["indicator"].to_numpy(),
                "ordinal": frame["period"].array.asi8,
            }
        )
        duplicated = pd.Series(keys.duplicated(keep=False).to_numpy(), index=frame.index)
    else:
        duplicated = frame.duplicated(["region", "indicator", "period"], keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ValueError(
            f"{int(duplicated.sum())} rows repeat a (region, indicator, period); first: "
            f"{first['region']}/{first['indicator']}/{first['period']}"
        )
    return frame


def extract_series(observations: pd.DataFrame) -> dict[SeriesKey, Series]:
    """Split observations into regular series keyed by (region, indicator).

    Interior gaps are filled by linear interpolation (and counted in ``Series.filled``) because
    every model here assumes consecutive periods; leading and trailing gaps are not invented.
    Periods are handled as integer ordinals (one pass over the column), which keeps this
    cheap enough to run at every backtest origin on panels of hundreds of series.
    """
    frame = check_observations(observations)
    periods = frame["period"]
    if isinstance(periods.dtype, pd.PeriodDtype):
        ordinals = periods.array.asi8
        frequencies = np.full(len(frame), periods.iloc[0].freqstr, dtype=object)
    else:
        ordinals = np.array(
            [period.ordinal if isinstance(period, pd.Period) else 0 for period in periods],
            dtype=np.int64,
        )
        frequencies = np.array(
            [period.freqstr if isinstance(period, pd.Period) else None for period in periods],
            dtype=object,
        )
        missing = frequencies == None  # noqa: E711 (elementwise on an object array)
        if missing.any():
            row = frame[missing].iloc[0]
            raise ValueError(
                f"{int(missing.sum())} period(s) are not pandas Periods: the first, of series "
                f"{row['region']}/{row['indicator']}, is {row['period']!r} "
                f"({type(row['period']).__name__}); read the file with "
                "forecasting.readers.read_observations or pass the frame through "
                "forecasting.contract.validate_observations, which parse periods"
            )
    region_codes, regions = pd.factorize(frame["region"], sort=True)
    indicator_codes, indicators = pd.factorize(frame["indicator"], sort=True)
    codes = region_codes.astype(np.int64) * len(indicators) + indicator_codes
    order = np.lexsort((ordinals, codes))
    codes, ordinals = codes[order], ordinals[order]
    values, frequencies = frame["value"].to_numpy(dtype=float)[order], frequencies[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    result: dict[SeriesKey, Series] = {}
    for start, stop in zip(
        np.concatenate([[0], bounds]), np.concatenate([bounds, [len(codes)]]), strict=True
    ):
        region_code, indicator_code = divmod(int(codes[start]), len(indicators))
        region, indicator = str(regions[region_code]), str(indicators[indicator_code])
        kinds = set(frequencies[start:stop])
        if len(kinds) != 1 or None in kinds:
            raise ValueError(
                f"series {region}/{indicator} mixes period frequencies: {sorted(map(str, kinds))}"
            )
        frequency = next(iter(kinds))
        series_ordinals, series_values = ordinals[start:stop], values[start:stop]
        first, last = int(series_ordinals[0]), int(series_ordinals[-1])
        filled = (last - first + 1) - len(series_values)
        if filled:
            series_values = np.interp(np.arange(first, last + 1), series_ordinals, series_values)
        result[(region, indicator)] = Series(
            region=region,
            indicator=indicator,
            values=np.asarray(series_values, dtype=float),
            start=pd.Period(ordinal=first, freq=frequency),
            filled=filled,
        )
    return result


class SharedSeries:
    """The series of the last frame offered, split once for every model fitted on it.

    A backtest fits each candidate on the same training frame at an origin; splitting that
    frame into series took about a tenth of the whole model choice on the fertility panel.
    Models only read the series (their arrays are made read-only here, so one that wrote
    into them would fail loudly rather than change another model's data).
    """

    def __init__(self) -> None:
        self.frame: pd.DataFrame | None = None
        self.series: dict[SeriesKey, Series] | None = None

    def offer(self, frame: pd.DataFrame) -> None:
        """Models fitted on this very object (not an equal copy) share its series."""
        if frame is not self.frame:
            self.frame, self.series = frame, None

    def series_of(self, observations: pd.DataFrame) -> dict[SeriesKey, Series] | None:
        if observations is not self.frame:
            return None
        if self.series is None:
            self.series = extract_series(observations)
            for item in self.series.values():
                item.values.setflags(write=False)
        return dict(self.series)


_SHARED_SERIES: ContextVar[SharedSeries | None] = ContextVar("shared_series", default=None)


@contextmanager
def sharing_series() -> Iterator[SharedSeries]:
    """Within the block, frames offered to the yielded holder are split into series once."""
    holder = SharedSeries()
    token = _SHARED_SERIES.set(holder)
    try:
        yield holder
    finally:
        _SHARED_SERIES.reset(token)


def series_for_fit(observations: pd.DataFrame) -> dict[SeriesKey, Series]:
    """:func:`extract_series`, or the shared split of a frame offered by ``sharing_series``."""
    holder = _SHARED_SERIES.get()
    shared = holder.series_of(observations) if holder is not None else None
    return shared if shared is not None else extract_series(observations)


def gap_warnings(series: dict[SeriesKey, Series], model: str) -> list[dict[str, str]]:
    return [
        make_warning(
            item,
            model,
            "interpolated",
            f"{item.filled} missing period(s) inside the series filled by linear interpolation",
            code="run.interpolated",
            params={"filled": int(item.filled)},
        )
        for item in series.values()
        if item.filled
    ]


def make_warning(
    item: Series | SeriesKey | None,
    model: str,
    category: str,
    message: str,
    *,
    code: str | None = None,
    params: dict[str, object] | None = None,
):
    """One warning entry; ``code`` and ``params`` let the web app word it in its language
    (``message`` stays the English of the CLI and the model card)."""
    if isinstance(item, Series):
        region, indicator = item.region, item.indicator
    elif item is None:
        region, indicator = "", ""
    else:
        region, indicator = item
    return {
        "region": region,
        "indicator": indicator,
        "model": model,
        "category": category,
        "message": message,
        **({"code": code, "params": dict(params or {})} if code else {}),
    }


def forecast_rows(
    item: Series,
    mean: np.ndarray,
    bounds: dict[str, np.ndarray],
    model: str,
) -> dict[str, object]:
    """One series' forecast as a block of columns; :func:`concat_frames` joins blocks.

    Blocks rather than small DataFrames: building one frame per series costs more than the
    forecasting itself when there are hundreds of series. Periods travel as ordinals with
    their frequency and become ``pd.Period`` values once, in :func:`concat_frames`.
    """
    horizon = len(mean)
    last = item.start.ordinal + len(item.values) - 1
    block: dict[str, object] = {
        "region": [item.region] * horizon,
        "indicator": [item.indicator] * horizon,
        BLOCK_ORDINAL: np.arange(last + 1, last + horizon + 1, dtype=np.int64),
        BLOCK_FREQUENCY: item.start.freqstr,
        "mean": np.asarray(mean, dtype=float),
    }
    for column in INTERVAL_COLUMNS:
        block[column] = np.asarray(bounds[column], dtype=float)
    block["model"] = [model] * horizon
    return block


def normal_bounds(mean: np.ndarray, sigma: np.ndarray) -> dict[str, np.ndarray]:
    """Symmetric normal prediction intervals around ``mean`` with per-step ``sigma``."""
    return {
        "lower_95": mean - Z_95 * sigma,
        "lower_80": mean - Z_80 * sigma,
        "upper_80": mean + Z_80 * sigma,
        "upper_95": mean + Z_95 * sigma,
    }


def empirical_bounds(
    mean: np.ndarray, residuals: np.ndarray, widening: np.ndarray
) -> dict[str, np.ndarray]:
    """Intervals from the quantiles of in-sample residuals, widened by horizon.

    Used when residuals are plentiful (>= 20); they keep any skew the residuals have, which a
    normal interval would hide.
    """
    quantiles = np.quantile(residuals, INTERVAL_QUANTILES)
    bounds = {
        column: mean + quantile * widening
        for column, quantile in zip(INTERVAL_COLUMNS, quantiles, strict=True)
    }
    ordered = sort_bounds({"mean": np.asarray(mean, dtype=float), **bounds})
    return {column: ordered[column] for column in INTERVAL_COLUMNS}


def sort_bounds(block: dict[str, object]) -> dict[str, object]:
    """Make the interval bounds monotone (lower_95 <= lower_80 <= upper_80 <= upper_95)
    and, when the block has its ``mean``, around it (lower_80 <= mean <= upper_80).

    Bounds read from the quantiles of a model's errors leave out its own point forecast
    when those errors lean one way (a level model lagging a rising series errs below it
    every time): the interval is then widened to the forecast rather than printed beside
    it, so the five points stay in order (the probability of a class reads them so).
    """
    values = np.sort(np.column_stack([block[column] for column in INTERVAL_COLUMNS]), axis=1)
    if "mean" in block:
        mean = np.asarray(block["mean"], dtype=float)
        values[:, 1] = np.fmin(values[:, 1], mean)  # lower_80
        values[:, 0] = np.fmin(values[:, 0], values[:, 1])  # lower_95
        values[:, 2] = np.fmax(values[:, 2], mean)  # upper_80
        values[:, 3] = np.fmax(values[:, 3], values[:, 2])  # upper_95
    for position, column in enumerate(INTERVAL_COLUMNS):
        block[column] = values[:, position]
    return block


def empty_forecast_frame() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in FORECAST_COLUMNS}).astype(
        {column: float for column in ("mean", *INTERVAL_COLUMNS)}
    )


def concat_frames(parts: Iterable[pd.DataFrame | dict[str, object]]) -> pd.DataFrame:
    """Join forecast blocks (from :func:`forecast_rows`) and frames into one frame."""
    parts = list(parts)
    blocks = [part for part in parts if isinstance(part, dict)]
    frames = [part for part in parts if isinstance(part, pd.DataFrame) and not part.empty]
    if blocks:
        columns = {
            column: [value for block in blocks for value in block[column]]
            for column in FORECAST_COLUMNS
            if column != "period"
        }
        columns["period"] = _periods_of(blocks)
        joined = pd.DataFrame(columns).loc[:, list(FORECAST_COLUMNS)]
        for column in ("mean", *INTERVAL_COLUMNS):
            joined[column] = joined[column].astype(float)
        frames.insert(0, joined)
    if not frames:
        return empty_forecast_frame()
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def _periods_of(blocks: list[dict[str, object]]) -> pd.Series:
    """The blocks' periods: a ``period[...]`` column when they share one frequency (as in the
    data contract), otherwise objects; each distinct period is built once."""
    ordinals = np.concatenate([np.asarray(block[BLOCK_ORDINAL]) for block in blocks])
    frequencies = np.concatenate(
        [
            np.full(len(block[BLOCK_ORDINAL]), block[BLOCK_FREQUENCY], dtype=object)
            for block in blocks
        ]
    )
    kinds = pd.unique(frequencies)
    if len(kinds) == 1:
        return pd.Series(pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype(kinds[0])))
    keys = pd.MultiIndex.from_arrays([frequencies, ordinals])
    distinct = np.array(
        [pd.Period(ordinal=int(ordinal), freq=freq) for freq, ordinal in keys.unique()],
        dtype=object,
    )
    return pd.Series(distinct[keys.unique().get_indexer(keys)], dtype=object)


def probability_at_least(frame: pd.DataFrame, threshold: float) -> np.ndarray:
    """P(value >= threshold) from each row's mean and 80/95% bounds.

    The five known points (2.5%, 10%, 50% taken at the mean, 90%, 97.5%) define a piecewise
    linear map from value to the normal z-scale; beyond the outer bounds the last segment is
    extended. This keeps skewed (quantile-model) intervals skewed, and reduces to the exact
    normal probability when the intervals are normal.
    """
    z_points = np.array([-Z_95, -Z_80, 0.0, Z_80, Z_95])
    values = frame.loc[:, ["lower_95", "lower_80", "mean", "upper_80", "upper_95"]].to_numpy(
        dtype=float
    )
    values = np.sort(values, axis=1)
    result = np.empty(len(values))
    for row, points in enumerate(values):
        if points[-1] - points[0] <= 1e-12:
            result[row] = 1.0 if points[2] >= threshold else 0.0
            continue
        z = _piecewise_z(points, z_points, threshold)
        result[row] = float(stats.norm.sf(z))
    return result


def _piecewise_z(points: np.ndarray, z_points: np.ndarray, threshold: float) -> float:
    unique, first = np.unique(points, return_index=True)
    z_unique = z_points[first]
    if len(unique) == 1:
        return -np.inf if threshold <= unique[0] else np.inf
    if threshold <= unique[0]:
        slope = (z_unique[1] - z_unique[0]) / (unique[1] - unique[0])
        return float(z_unique[0] - slope * (unique[0] - threshold))
    if threshold >= unique[-1]:
        slope = (z_unique[-1] - z_unique[-2]) / (unique[-1] - unique[-2])
        return float(z_unique[-1] + slope * (threshold - unique[-1]))
    return float(np.interp(threshold, unique, z_unique))


class BaseForecaster(BaseEstimator):
    """scikit-learn style base: ``fit(observations)`` returns self, ``predict(horizon)``.

    Subclasses set :attr:`name` (the label written to the ``model`` column) and implement
    ``_fit`` and ``_predict``. ``__init__`` of subclasses only stores parameters.
    """

    name = "base"

    def fit(self, observations: pd.DataFrame, y: None = None) -> BaseForecaster:
        self.series_ = series_for_fit(observations)
        self.warnings_ = gap_warnings(self.series_, self.name)
        self._fit()
        return self

    def predict(self, horizon: int = 8) -> ForecastResult:
        check_is_fitted(self, "series_")
        horizon = check_horizon(horizon)
        frame, extra = self._predict(horizon)
        return ForecastResult(frame=frame, warnings=[*self.warnings_, *extra])

    def _fit(self) -> None:
        raise NotImplementedError

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        raise NotImplementedError


def check_horizon(horizon: object) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a positive whole number of periods, got {horizon!r}")
    return int(horizon)


def record_warnings(
    function: Callable[[], object], item: Series, model: str
) -> tuple[object, list[dict[str, str]]]:
    """Run ``function`` catching library warnings, returned as warning entries for ``item``.

    Identical messages for one series are reported once with a count, so a convergence warning
    repeated by an optimiser does not flood the output.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = function()
    counts: dict[tuple[str, str], int] = {}
    for entry in caught:
        key = (entry.category.__name__, str(entry.message).strip().splitlines()[0])
        counts[key] = counts.get(key, 0) + 1
    entries = [
        make_warning(
            item,
            model,
            category,
            message + (f" (x{count})" if count > 1 else ""),
            code="run.library_warning",
            params={"kind": category, "detail": message, "count": count},
        )
        for (category, message), count in counts.items()
    ]
    return value, entries
