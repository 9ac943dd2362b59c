"""Exponential smoothing per series (statsmodels ETSModel), with a baseline when it fails.

Additive errors, a damped additive trend (undamped trends over-shoot on short social series)
and an additive season when there are at least two full cycles plus two periods. Intervals are
statsmodels' analytic ones for additive ETS. Library warnings are caught per series and
reported in the result; a series whose fit raises or yields non-finite numbers is forecast by
the naive baseline instead, and the ``model`` column says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecasting.models.base import (
    BaseForecaster,
    Series,
    concat_frames,
    forecast_rows,
    make_warning,
    record_warnings,
    season_length_for,
)
from forecasting.models.baselines import NaiveForecaster


class ExponentialSmoothingForecaster(BaseForecaster):
    """ETS(A, Ad, A/N) fitted series by series.

    Parameters
    ----------
    trend : {"add", None}
        Additive trend, or none (simple exponential smoothing of the level, which suits
        noisy series without a lasting drift).
    damped_trend : bool
        Damp the trend (recommended for short series).
    seasonal : {"auto", "add", None}
        "auto" and "add" fit an additive season when the series holds two full cycles plus
        two periods; None never does.
    season_length : int or None
        Periods per cycle; None takes it from the frequency.
    min_length : int
        Shorter series go straight to the naive baseline (ETS cannot be estimated reliably).
    """

    @property
    def name(self) -> str:
        """Label in the ``model`` column: "ets", or "ses" without a trend."""
        return "ets" if self.trend else "ses"

    def __init__(
        self,
        trend: str | None = "add",
        damped_trend: bool = True,
        seasonal: str | None = "auto",
        season_length: int | None = None,
        min_length: int = 8,
    ) -> None:
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.min_length = min_length

    def _fit(self) -> None:
        if self.trend not in ("add", None):
            raise ValueError(f"trend must be 'add' or None, got {self.trend!r}")
        if self.seasonal not in ("auto", "add", None):
            raise ValueError(f"seasonal must be 'auto', 'add' or None, got {self.seasonal!r}")
        self.results_: dict[tuple[str, str], object] = {}
        fallback_keys = []
        for key, item in self.series_.items():
            reason = self._fit_series(key, item)
            if reason:
                text, code, params = reason
                fallback_keys.append(key)
                self.warnings_.append(
                    make_warning(
                        item,
                        self.name,
                        "fallback",
                        f"{text}: naive forecast used",
                        code=f"run.fallback.{code}",
                        params=params,
                    )
                )
        self.fallback_ = None
        if fallback_keys:
            self.fallback_ = NaiveForecaster()
            self.fallback_.fit(_series_frame([self.series_[key] for key in fallback_keys]))

    def _fit_series(
        self, key: tuple[str, str], item: Series
    ) -> tuple[str, str, dict[str, object]] | None:
        """Fit one series; or why not: English text, code and params of the fallback warning."""
        values = item.values
        if len(values) < self.min_length:
            return (
                f"{len(values)} period(s) is too short for ETS (needs {self.min_length})",
                "ets_too_short",
                {"periods": len(values), "needed": self.min_length},
            )
        if np.ptp(values) == 0:
            return "constant series", "ets_constant", {}
        season = self.season_length or season_length_for(item.frequency)
        use_season = self.seasonal is not None and season > 1 and len(values) >= 2 * season + 2
        endog = pd.Series(values)
        model_options = {
            "error": "add",
            "trend": self.trend,
            "damped_trend": bool(self.damped_trend and self.trend),
            "seasonal": "add" if use_season else None,
            "seasonal_periods": season if use_season else None,
        }

        def fit() -> object:
            try:
                model = ETSModel(endog, initialization_method="heuristic", **model_options)
            except ValueError:
                model = ETSModel(endog, initialization_method="estimated", **model_options)
            return model.fit(disp=False)

        try:
            result, entries = record_warnings(fit, item, self.name)
        except Exception as error:  # statsmodels raises many types (LinAlgError, ValueError)
            return (
                f"ETS fit failed ({type(error).__name__}: {error})",
                "ets_fit_failed",
                {"error": type(error).__name__, "detail": str(error)},
            )
        self.warnings_.extend(entries)
        if not np.all(np.isfinite(np.asarray(result.params, dtype=float))):
            return "ETS estimates are not finite", "ets_not_finite", {}
        self.results_[key] = result
        return None

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        frames, extra = [], []
        failed = []
        for key, result in self.results_.items():
            item = self.series_[key]
            try:
                (mean, bounds), entries = record_warnings(
                    lambda result=result, item=item: _ets_forecast(result, item, horizon),
                    item,
                    self.name,
                )
            except Exception as error:  # a broken fit shows only when simulating ahead
                failed.append(item)
                extra.append(
                    make_warning(
                        item,
                        self.name,
                        "fallback",
                        f"ETS forecast failed ({type(error).__name__}): naive forecast used",
                        code="run.fallback.ets_forecast_failed",
                        params={"error": type(error).__name__},
                    )
                )
                continue
            extra.extend(entries)
            frames.append(forecast_rows(item, mean, bounds, self.name))
        fallback = self.fallback_
        if failed:
            keys = {(item.region, item.indicator) for item in failed}
            if fallback is not None:
                keys |= set(fallback.series_)
            fallback = NaiveForecaster().fit(_series_frame([self.series_[key] for key in keys]))
        if fallback is not None:
            result = fallback.predict(horizon)
            frame = result.to_frame()
            frame["model"] = f"naive (fallback from {self.name})"
            frames.append(frame)
            extra.extend(item for item in result.warnings if item["category"] != "interpolated")
        return concat_frames(frames), extra


def _ets_forecast(result: object, item: Series, horizon: int):
    start = len(item.values)
    prediction = result.get_prediction(start=start, end=start + horizon - 1)
    frame_95 = prediction.summary_frame(alpha=0.05)
    frame_80 = prediction.summary_frame(alpha=0.2)
    mean = frame_95["mean"].to_numpy(dtype=float)
    bounds = {
        "lower_95": frame_95["pi_lower"].to_numpy(dtype=float),
        "upper_95": frame_95["pi_upper"].to_numpy(dtype=float),
        "lower_80": frame_80["pi_lower"].to_numpy(dtype=float),
        "upper_80": frame_80["pi_upper"].to_numpy(dtype=float),
    }
    if not np.all(np.isfinite(mean)) or not all(np.all(np.isfinite(v)) for v in bounds.values()):
        raise ValueError("non-finite forecast")
    return mean, bounds


def _series_frame(items: list[Series]) -> pd.DataFrame:
    """Back from regular series to a tidy frame, so a fallback model can be fitted on it."""
    frames = [
        pd.DataFrame(
            {
                "region": item.region,
                "indicator": item.indicator,
                "period": [item.start + offset for offset in range(len(item.values))],
                "value": item.values,
            }
        )
        for item in items
    ]
    return pd.concat(frames, ignore_index=True)
