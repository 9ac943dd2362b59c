"""A global gradient-boosting forecaster: one model learns from every region at once.

Social statistics per region are short (a few years of months), too short for a model per
series to learn much; a single model over all regions of the same frequency sees hundreds of
histories. Strategy: *direct multi-horizon*, stacked — each training row is (series, origin
``t``, step ``h``) with features known at ``t`` plus ``h`` itself, and the target is the change
``y[t+h] - y[t]`` divided by the series' scale (its mean absolute one-step change). Predicting
changes rather than levels lets trees extrapolate trending series; scaling lets series in
different units share one model. Five models are trained: the point forecast (squared error)
and the 2.5%, 10%, 90% and 97.5% quantiles (pinball loss), sorted afterwards so bounds never
cross.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from forecasting.models.base import (
    INTERVAL_COLUMNS,
    INTERVAL_QUANTILES,
    BaseForecaster,
    Series,
    concat_frames,
    forecast_rows,
    make_warning,
    season_length_for,
    sort_bounds,
)
from forecasting.models.baselines import NaiveForecaster
from forecasting.models.ets import _series_frame

#: HistGradientBoosting handles at most this many categories per categorical feature.
MAX_CATEGORIES = 250
MIN_TRAINING_ROWS = 30


class GlobalGradientBoostingForecaster(BaseForecaster):
    """HistGradientBoosting over lagged, scaled changes of all series of a frequency.

    Parameters
    ----------
    horizon : int
        Longest step the model is trained for; ``predict`` refuses longer horizons.
    pooling : {"frequency", "indicator"}
        Train one model per frequency (all indicators together, indicator as a category) or
        one per indicator.
    n_lags : int or None
        Lagged changes used as features; None means one season, at least 4.
    use_region : bool
        Give the model the region (and indicator) as categorical features.
    log_positive : bool
        Model ``log(y)`` for series that are strictly positive (proportional changes).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization :
        Passed to each :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
    max_training_rows : int
        Random subsample of training rows above this size; keeps training time bounded.
    random_state : int
        Seeds the subsample and the boosting.
    """

    name = "gbm"

    def __init__(
        self,
        horizon: int = 8,
        pooling: str = "frequency",
        n_lags: int | None = None,
        use_region: bool = True,
        log_positive: bool = False,
        max_iter: int = 100,
        learning_rate: float = 0.08,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_training_rows: int = 10000,
        random_state: int = 0,
    ) -> None:
        self.horizon = horizon
        self.pooling = pooling
        self.n_lags = n_lags
        self.use_region = use_region
        self.log_positive = log_positive
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_training_rows = max_training_rows
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------

    def _fit(self) -> None:
        if self.pooling not in ("frequency", "indicator"):
            raise ValueError(f"pooling must be 'frequency' or 'indicator', got {self.pooling!r}")
        if int(self.horizon) < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon}")
        self.prepared_ = {
            key: _prepare(item, self.log_positive) for key, item in self.series_.items()
        }
        groups: dict[str, list[tuple[str, str]]] = {}
        for key, item in self.series_.items():
            group = item.frequency if self.pooling == "frequency" else f"{item.indicator}"
            groups.setdefault(group, []).append(key)
        self.groups_ = groups
        self.models_: dict[str, dict[str, HistGradientBoostingRegressor]] = {}
        self.categories_: dict[str, dict[str, dict[str, int]]] = {}
        self.columns_: dict[str, np.ndarray] = {}
        fallback_keys: list[tuple[str, str]] = []
        rng = np.random.default_rng(self.random_state)
        for group, keys in groups.items():
            categories = self._categories(keys)
            self.categories_[group] = categories
            features, targets = self._training_rows(keys, categories)
            if len(targets) < MIN_TRAINING_ROWS:
                fallback_keys.extend(keys)
                self.warnings_.append(
                    make_warning(
                        None,
                        self.name,
                        "fallback",
                        f"group {group}: only {len(targets)} training rows (needs "
                        f"{MIN_TRAINING_ROWS}); naive forecast used for its {len(keys)} series",
                    )
                )
                continue
            self.columns_[group] = _informative_columns(features, len(categories))
            features = features[:, self.columns_[group]]
            if len(targets) > self.max_training_rows:
                chosen = rng.choice(len(targets), size=self.max_training_rows, replace=False)
                features, targets = features[np.sort(chosen)], targets[np.sort(chosen)]
            self.models_[group] = self._fit_models(features, targets, categories)
        self.fallback_ = None
        if fallback_keys:
            items = [self.series_[key] for key in fallback_keys]
            self.fallback_ = NaiveForecaster().fit(_series_frame(items))

    def _categories(self, keys: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
        regions = sorted({region for region, _ in keys})
        indicators = sorted({indicator for _, indicator in keys})
        result = {}
        if self.use_region and len(regions) <= MAX_CATEGORIES:
            result["region"] = {region: code for code, region in enumerate(regions)}
        if self.use_region and 1 < len(indicators) <= MAX_CATEGORIES:
            result["indicator"] = {name: code for code, name in enumerate(indicators)}
        return result

    def _fit_models(
        self, features, targets, categories
    ) -> dict[str, HistGradientBoostingRegressor]:
        n_categorical = len(categories)  # categorical columns come first and are always kept
        mask = np.zeros(features.shape[1], dtype=bool)
        mask[:n_categorical] = True
        options = {
            "max_iter": self.max_iter,
            "learning_rate": self.learning_rate,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization,
            "categorical_features": mask if n_categorical else None,
            "early_stopping": False,
            "random_state": self.random_state,
        }
        models = {"mean": HistGradientBoostingRegressor(loss="squared_error", **options)}
        for column, quantile in zip(INTERVAL_COLUMNS, INTERVAL_QUANTILES, strict=True):
            models[column] = HistGradientBoostingRegressor(
                loss="quantile", quantile=quantile, **options
            )
        for model in models.values():
            model.fit(features, targets)
        return models

    # -- features ------------------------------------------------------------------------

    def _lags(self, item: Series) -> int:
        if self.n_lags is not None:
            return max(1, int(self.n_lags))
        return max(4, season_length_for(item.frequency))

    def _training_rows(self, keys, categories) -> tuple[np.ndarray, np.ndarray]:
        feature_blocks, target_blocks = [], []
        horizon = int(self.horizon)
        for key in keys:
            prepared = self.prepared_[key]
            values = prepared["values"]
            n = len(values)
            for step in range(1, horizon + 1):
                origins = np.arange(0, n - step)
                if len(origins) == 0:
                    continue
                feature_blocks.append(
                    self._features(self.series_[key], prepared, origins, step, categories)
                )
                target_blocks.append((values[origins + step] - values[origins]) / prepared["scale"])
        if not target_blocks:
            return np.empty((0, 0)), np.empty(0)
        return np.vstack(feature_blocks), np.concatenate(target_blocks)

    def _features(
        self,
        item: Series,
        prepared: dict,
        origins: np.ndarray,
        step: int,
        categories: dict[str, dict[str, int]],
    ) -> np.ndarray:
        """Feature matrix for forecasting ``step`` ahead from each origin index.

        Columns: categories (region, indicator), step, lagged changes, seasonal change,
        distances to rolling means, rolling spread, distance to the expanding mean, history
        length, calendar position of the target period.
        """
        values, scale = prepared["values"], prepared["scale"]
        padded = np.concatenate([np.full(64, np.nan), values])
        base = origins + 64
        last = values[origins]
        columns = []
        if "region" in categories:
            columns.append(np.full(len(origins), categories["region"].get(item.region, np.nan)))
        if "indicator" in categories:
            code = categories["indicator"].get(item.indicator, np.nan)
            columns.append(np.full(len(origins), code))
        columns.append(np.full(len(origins), float(step)))
        for lag in range(1, min(self._lags(item), 63) + 1):
            columns.append((last - padded[base - lag]) / scale)
        season = season_length_for(item.frequency)
        if season > 1:
            back = season * int(np.ceil(step / season))
            columns.append((padded[base + step - back] - last) / scale if back <= 63 else last * 0)
        cumulative = np.concatenate([[0.0], np.cumsum(values)])
        for window in (3, max(season, 6)):
            start = np.maximum(origins + 1 - window, 0)
            means = (cumulative[origins + 1] - cumulative[start]) / (origins + 1 - start)
            columns.append((means - last) / scale)
        columns.append(prepared["spread"][origins] / scale)
        expanding = cumulative[origins + 1] / (origins + 1)
        columns.append((last - expanding) / scale)
        columns.append((origins + 1).astype(float))
        target_ordinals = item.start.ordinal + origins + step
        calendar = target_ordinals % season if season > 1 else np.zeros(len(origins))
        columns.append(calendar.astype(float))
        return np.column_stack(columns)

    # -- prediction ----------------------------------------------------------------------

    def _predict(self, horizon: int) -> tuple[pd.DataFrame, list[dict[str, str]]]:
        if horizon > int(self.horizon):
            raise ValueError(
                f"this model was trained for up to {self.horizon} steps ahead; refit it with "
                f"horizon={horizon} to forecast further"
            )
        frames, extra = [], []
        for group, keys in self.groups_.items():
            models = self.models_.get(group)
            if models is None:
                continue
            categories = self.categories_[group]
            for key in keys:
                frames.append(
                    self._predict_series(key, models, categories, self.columns_[group], horizon)
                )
        if self.fallback_ is not None:
            result = self.fallback_.predict(horizon)
            frame = result.to_frame()
            frame["model"] = f"naive (fallback from {self.name})"
            frames.append(frame)
            extra.extend(item for item in result.warnings if item["category"] != "interpolated")
        return concat_frames(frames), extra

    def _predict_series(self, key, models, categories, columns, horizon: int) -> pd.DataFrame:
        item, prepared = self.series_[key], self.prepared_[key]
        origin = np.array([len(prepared["values"]) - 1])
        rows = np.vstack(
            [
                self._features(item, prepared, origin, step, categories)
                for step in range(1, horizon + 1)
            ]
        )[:, columns]
        last, scale = prepared["values"][-1], prepared["scale"]
        predicted = {name: last + model.predict(rows) * scale for name, model in models.items()}
        if prepared["logged"]:
            predicted = {name: np.exp(values) for name, values in predicted.items()}
        frame = forecast_rows(
            item, predicted["mean"], {c: predicted[c] for c in INTERVAL_COLUMNS}, self.name
        )
        return sort_bounds(frame)


def _prepare(item: Series, log_positive: bool) -> dict:
    """Working values (logged if asked and positive), their scale and rolling spread."""
    values = item.values.astype(float)
    logged = bool(log_positive and np.all(values > 0))
    work = np.log(values) if logged else values
    changes = np.abs(np.diff(work))
    scale = float(np.mean(changes)) if len(changes) else 0.0
    if scale <= 1e-12:
        scale = float(np.std(work)) or float(np.mean(np.abs(work))) or 1.0
    window = max(season_length_for(item.frequency), 6)
    spread = pd.Series(work).rolling(window, min_periods=1).std(ddof=0).fillna(0.0).to_numpy()
    return {"values": work, "scale": scale, "logged": logged, "spread": spread}


def _informative_columns(features: np.ndarray, n_categorical: int) -> np.ndarray:
    """Indices of the columns worth giving the model: categories, and features that vary.

    Short annual series leave long lags empty; a column without two distinct values carries
    no information (and HistGradientBoosting cannot bin an all-missing column).
    """
    keep = []
    for column in range(features.shape[1]):
        values = features[:, column]
        finite = values[np.isfinite(values)]
        if column < n_categorical or (len(finite) and np.ptp(finite) > 0):
            keep.append(column)
    return np.array(keep, dtype=int)
