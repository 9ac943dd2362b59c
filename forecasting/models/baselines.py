"""Baseline forecasters: the yardsticks every other model must beat.

Naive repeats the last value; seasonal naive repeats the value of the same season a year
earlier. Their intervals come from in-sample residuals (one-step errors of the same rule),
widened by horizon the way a random walk's spread grows (Hyndman & Athanasopoulos, 5.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.models.base import (
    BaseForecaster,
    Series,
    concat_frames,
    empirical_bounds,
    forecast_rows,
    make_warning,
    normal_bounds,
    season_length_for,
)

#: Below this many residuals empirical quantiles are too noisy; normal intervals are used.
MIN_RESIDUALS_FOR_EMPIRICAL = 20


class _ResidualIntervalForecaster(BaseForecaster):
    """Per-series rule with intervals from its own in-sample one-step residuals."""

    interval: str

    def _lag(self, item: Series) -> int:
        raise NotImplementedError

    def _fit(self) -> None:
        if self.interval not in ("normal", "empirical"):
            raise ValueError(f"interval must be 'normal' or 'empirical', got {self.interval!r}")
        self.lags_: dict[tuple[str, str], int] = {}
        self.residuals_: dict[tuple[str, str], np.ndarray] = {}
        for key, item in self.series_.items():
            lag = self._lag(item)
            if lag > 1 and len(item.values) <= lag:
                self.warnings_.append(
                    make_warning(
                        item,
                        self.name,
                        "fallback",
                        f"{len(item.values)} period(s) is less than one season plus one "
                        f"({lag + 1}): naive forecast used instead",
                        code="run.fallback.short_season",
                        params={"periods": len(item.values), "needed": lag + 1},
                    )
                )
                lag = 1
            self.lags_[key] = lag
            values = item.values
            self.residuals_[key] = values[lag:] - values[:-lag] if len(values) > lag else []
        self.pooled_sigma_ = self._pooled_sigmas()

    def _pooled_sigmas(self) -> dict[str, float]:
        """Median residual spread per indicator, for series too short to have their own
        (or constant: all their residuals zero)."""
        by_indicator: dict[str, list[float]] = {}
        for (_, indicator), residuals in self.residuals_.items():
            if len(residuals) >= 2 and _rms(residuals) > 0:
                by_indicator.setdefault(indicator, []).append(_rms(residuals))
        return {indicator: float(np.median(values)) for indicator, values in by_indicator.items()}

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        frames, extra = [], []
        steps = np.arange(1, horizon + 1)
        for key, item in self.series_.items():
            lag = self.lags_[key]
            values = item.values
            season_position = (steps - 1) % lag
            mean = values[len(values) - lag + season_position]
            widening = np.sqrt((steps - 1) // lag + 1.0)
            residuals = np.asarray(self.residuals_[key], dtype=float)
            label = self.name if lag == self._lag(item) else f"naive (fallback from {self.name})"
            if (
                len(residuals) >= MIN_RESIDUALS_FOR_EMPIRICAL
                and self.interval == "empirical"
                and _rms(residuals) > 0
            ):
                bounds = empirical_bounds(mean, residuals, widening)
            else:
                sigma = self._sigma(item, residuals, extra)
                bounds = normal_bounds(mean, sigma * widening)
            frames.append(forecast_rows(item, mean, bounds, label))
        return concat_frames(frames), extra

    def _sigma(self, item: Series, residuals: np.ndarray, extra: list) -> float:
        # A constant series has residuals, all zero: its own spread would be an interval of
        # zero width, a certainty the rule does not have. It borrows, as a short one does.
        constant = len(residuals) >= 2 and _rms(residuals) == 0
        if len(residuals) >= 2 and not constant:
            return _rms(residuals)
        why = (
            "constant series (its residuals are all zero)"
            if constant
            else "too short for its own residuals"
        )
        pooled = self.pooled_sigma_.get(item.indicator)
        if pooled is not None:
            extra.append(
                make_warning(
                    item,
                    self.name,
                    "pooled_interval",
                    f"{why}: interval width borrowed from the median of other regions of the "
                    "indicator",
                    code="run.pooled_interval.constant" if constant else None,
                )
            )
            return pooled
        extra.append(
            make_warning(
                item,
                self.name,
                "zero_width_interval",
                f"{why}, and no other series of the indicator has residuals to borrow: "
                "interval has zero width"
                if constant
                else "no residuals in this or any other series of the indicator: interval has "
                "zero width",
                code="run.zero_width_interval.constant" if constant else None,
            )
        )
        return 0.0


def _rms(residuals: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(residuals))))


class NaiveForecaster(_ResidualIntervalForecaster):
    """Last value carried forward; intervals widen with the square root of the horizon.

    Parameters
    ----------
    interval : {"normal", "empirical"}
        Normal intervals from the residual root mean square, or residual quantiles (used only
        when a series has at least 20 residuals).
    """

    name = "naive"

    def __init__(self, interval: str = "normal") -> None:
        self.interval = interval

    def _lag(self, item: Series) -> int:
        return 1


class SeasonalNaiveForecaster(_ResidualIntervalForecaster):
    """Value of the same season one cycle earlier.

    Parameters
    ----------
    season_length : int or None
        Periods per cycle; None takes it from the frequency (12 monthly, 4 quarterly, 1 annual).
    interval : {"normal", "empirical"}
        As for :class:`NaiveForecaster`.
    """

    name = "seasonal_naive"

    def __init__(self, season_length: int | None = None, interval: str = "normal") -> None:
        self.season_length = season_length
        self.interval = interval

    def _lag(self, item: Series) -> int:
        if self.season_length is not None:
            if int(self.season_length) < 1:
                raise ValueError(f"season_length must be >= 1, got {self.season_length}")
            return int(self.season_length)
        return season_length_for(item.frequency)
