"""Forecasters following the scikit-learn estimator conventions.

``fit(observations)`` takes the tidy frame of the data contract and returns the estimator;
``predict(horizon)`` returns a :class:`ForecastResult` whose ``to_frame()`` has the columns
``region, indicator, period, mean, lower_80, upper_80, lower_95, upper_95, model``.
"""

from forecasting.models.auto import AutoForecaster, default_candidates
from forecasting.models.base import (
    FORECAST_COLUMNS,
    BaseForecaster,
    ForecastResult,
    probability_at_least,
)
from forecasting.models.baselines import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.boosting import GlobalGradientBoostingForecaster, GlobalLinearForecaster
from forecasting.models.combination import CombinationForecaster, combination_weights
from forecasting.models.ets import ExponentialSmoothingForecaster
from forecasting.models.panel import PanelMeanForecaster
from forecasting.models.panel_ar import PanelAutoregressiveForecaster
from forecasting.models.smoothing import PooledExponentialSmoothingForecaster

__all__ = [
    "FORECAST_COLUMNS",
    "AutoForecaster",
    "BaseForecaster",
    "CombinationForecaster",
    "ExponentialSmoothingForecaster",
    "ForecastResult",
    "GlobalGradientBoostingForecaster",
    "GlobalLinearForecaster",
    "NaiveForecaster",
    "PanelAutoregressiveForecaster",
    "PanelMeanForecaster",
    "PooledExponentialSmoothingForecaster",
    "SeasonalNaiveForecaster",
    "combination_weights",
    "default_candidates",
    "probability_at_least",
]
