"""Forecast accuracy measures, written out so that each is checked by hand in the tests.

Definitions follow Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.,
5.8-5.9); ``docs/forecasting.md`` gives the formulas.
"""

from __future__ import annotations

import numpy as np


def _arrays(*values) -> list[np.ndarray]:
    arrays = [np.asarray(value, dtype=float) for value in values]
    shape = arrays[0].shape
    for array in arrays[1:]:
        if array.shape != shape and array.shape != ():
            raise ValueError(f"arrays differ in shape: {shape} vs {array.shape}")
    return arrays


def naive_scale(training: np.ndarray, lag: int = 1) -> float:
    """Mean absolute error of the (seasonal) naive forecast in-sample: the MASE denominator.

    ``lag`` is 1 for naive, the season length for seasonal naive. Returns NaN when the training
    part is too short (fewer than ``lag + 1`` values) and 0.0 for a constant series; callers
    must treat both as "MASE undefined" rather than divide by them.
    """
    values = np.asarray(training, dtype=float)
    if lag < 1:
        raise ValueError(f"lag must be >= 1, got {lag}")
    if len(values) <= lag:
        return float("nan")
    return float(np.mean(np.abs(values[lag:] - values[:-lag])))


def mase(actual, forecast, scale: float) -> float:
    """Mean absolute scaled error: mean |y - f| / scale. Below 1 beats the in-sample naive."""
    actual, forecast = _arrays(actual, forecast)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"MASE scale must be a positive number, got {scale}")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def smape_terms(actual, forecast) -> np.ndarray:
    """Per-point symmetric absolute percentage error in percent (0-200), 0 when both are 0."""
    actual, forecast = _arrays(actual, forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    numerator = 200.0 * np.abs(actual - forecast)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), 0.0)


def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent: mean of 200 |y - f| / (|y| + |f|)."""
    return float(np.mean(smape_terms(actual, forecast)))


def rmse(actual, forecast) -> float:
    """Root mean squared error, in the units of the series."""
    actual, forecast = _arrays(actual, forecast)
    return float(np.sqrt(np.mean(np.square(actual - forecast))))


def coverage(actual, lower, upper) -> float:
    """Share of actual values inside [lower, upper]; should be near the nominal level."""
    actual, lower, upper = _arrays(actual, lower, upper)
    return float(np.mean((actual >= lower) & (actual <= upper)))


def pinball_terms(actual, quantile_forecast, quantile: float) -> np.ndarray:
    """Per-point pinball (quantile) loss of a forecast of the ``quantile``-th quantile."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, got {quantile}")
    actual, quantile_forecast = _arrays(actual, quantile_forecast)
    difference = actual - quantile_forecast
    return np.maximum(quantile * difference, (quantile - 1) * difference)


def pinball_loss(actual, quantile_forecast, quantile: float) -> float:
    """Mean pinball loss: q (y - f) when y >= f, (1 - q)(f - y) otherwise."""
    return float(np.mean(pinball_terms(actual, quantile_forecast, quantile)))


def brier_score(probability, outcome) -> float:
    """Mean squared difference between forecast probability and the 0/1 outcome."""
    probability, outcome = _arrays(probability, outcome)
    if np.any((probability < 0) | (probability > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    return float(np.mean(np.square(probability - outcome)))
