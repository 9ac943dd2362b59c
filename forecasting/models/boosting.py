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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

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
    point_loss : {"squared_error", "absolute_error"}
        Loss of the point-forecast model (the ``mean`` column).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization :
        Passed to each :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
    max_training_rows : int
        Random subsample of training rows above this size; keeps training time bounded.
    n_threads : int or None
        OpenMP threads for the boosting; 1 by default because the trees here are small and
        thread start-up costs more than it saves (and other work may share the cores).
        None uses every core.
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
        point_loss: str = "squared_error",
        max_iter: int = 100,
        learning_rate: float = 0.08,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_training_rows: int = 10000,
        n_threads: int | None = 1,
        random_state: int = 0,
    ) -> None:
        self.horizon = horizon
        self.pooling = pooling
        self.n_lags = n_lags
        self.use_region = use_region
        self.log_positive = log_positive
        self.point_loss = point_loss
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_training_rows = max_training_rows
        self.n_threads = n_threads
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
        self.panel_ = _panel_changes(self.series_, self.prepared_)
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
        models = {"mean": HistGradientBoostingRegressor(loss=self.point_loss, **options)}
        for column, quantile in zip(INTERVAL_COLUMNS, INTERVAL_QUANTILES, strict=True):
            models[column] = HistGradientBoostingRegressor(
                loss="quantile", quantile=quantile, **options
            )
        with threadpool_limits(limits=self.n_threads):
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

        Columns: categories (region, indicator), step, lagged changes, seasonal change (last
        cycle and averaged over up to four cycles), the indicator's mean scaled change over
        all regions (the common movement, less noisy than any one region), distances to
        rolling means, rolling spread, distance to the expanding mean, history length,
        calendar position of the target period.
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
            columns.append(_seasonal_history_change(values, origins, step, season) / scale)
        panel = self.panel_.get(item.indicator)
        if panel is not None:
            origin_ordinals = item.start.ordinal + origins
            for window in (1, 3, max(season, 6)):
                columns.append(panel.change(origin_ordinals, window))
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
            frames.append(self._predict_group(group, keys, models, horizon))
        if self.fallback_ is not None:
            result = self.fallback_.predict(horizon)
            frame = result.to_frame()
            frame["model"] = f"naive (fallback from {self.name})"
            frames.append(frame)
            extra.extend(item for item in result.warnings if item["category"] != "interpolated")
        return concat_frames(frames), extra

    def _predict_group(self, group: str, keys, models, horizon: int) -> pd.DataFrame:
        """All series of a group in one call per model (per-call overhead dominates)."""
        categories, columns = self.categories_[group], self.columns_[group]
        rows = []
        for key in keys:
            item, prepared = self.series_[key], self.prepared_[key]
            origin = np.array([len(prepared["values"]) - 1])
            rows.extend(
                self._features(item, prepared, origin, step, categories)
                for step in range(1, horizon + 1)
            )
        features = np.vstack(rows)[:, columns]
        with threadpool_limits(limits=self.n_threads):
            raw = {name: model.predict(features) for name, model in models.items()}
        frames = []
        for number, key in enumerate(keys):
            item, prepared = self.series_[key], self.prepared_[key]
            block = slice(number * horizon, (number + 1) * horizon)
            last, scale = prepared["values"][-1], prepared["scale"]
            predicted = {name: last + values[block] * scale for name, values in raw.items()}
            if prepared["logged"]:
                predicted = {name: np.exp(values) for name, values in predicted.items()}
            frame = forecast_rows(
                item, predicted["mean"], {c: predicted[c] for c in INTERVAL_COLUMNS}, self.name
            )
            frames.append(sort_bounds(frame))
        return concat_frames(frames)


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


def _seasonal_history_change(
    values: np.ndarray, origins: np.ndarray, step: int, season: int, cycles: int = 4
) -> np.ndarray:
    """Mean of y[t+h-k*m] - y[t-k*m] over past cycles k: the usual seasonal move from the
    origin's season to the target's, averaged so that one noisy year does not dominate."""
    total = np.zeros(len(origins))
    count = np.zeros(len(origins))
    for cycle in range(1, cycles + 1):
        back = cycle * season
        if back < step:
            continue
        start = origins - back
        valid = start >= 0
        safe = np.where(valid, start, 0)
        change = values[np.minimum(safe + step, len(values) - 1)] - values[safe]
        total += np.where(valid, change, 0.0)
        count += valid
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


@dataclass
class _PanelChanges:
    """Mean scaled one-step change over the regions of an indicator, by period ordinal."""

    first: int
    cumulative: np.ndarray

    def change(self, ordinals: np.ndarray, window: int) -> np.ndarray:
        end = ordinals - self.first
        start = end - window
        valid = (start >= 0) & (end < len(self.cumulative))
        result = np.full(len(ordinals), np.nan)
        result[valid] = self.cumulative[end[valid]] - self.cumulative[start[valid]]
        return result


def _panel_changes(series: dict, prepared: dict) -> dict[str, _PanelChanges]:
    by_indicator: dict[str, list[tuple[int, np.ndarray]]] = {}
    for key, item in series.items():
        values, scale = prepared[key]["values"], prepared[key]["scale"]
        if len(values) < 2:
            continue
        by_indicator.setdefault(item.indicator, []).append(
            (item.start.ordinal + 1, np.diff(values) / scale)
        )
    result = {}
    for indicator, parts in by_indicator.items():
        first = min(start for start, _ in parts) - 1
        last = max(start + len(changes) for start, changes in parts)
        total = np.zeros(last - first)
        count = np.zeros(last - first)
        for start, changes in parts:
            offset = start - first
            total[offset : offset + len(changes)] += changes
            count[offset : offset + len(changes)] += 1
        mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        # cumulative[i] = sum of mean changes up to ordinal first + i (first itself has none)
        result[indicator] = _PanelChanges(first=first, cumulative=np.cumsum(mean))
    return result
