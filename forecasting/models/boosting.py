"""A global gradient-boosting forecaster: one model learns from every region at once.

Social statistics per region are short (a few years of months), too short for a model per
series to learn much; a single model over all regions of the same frequency sees hundreds of
histories. Strategy: *direct multi-horizon*, stacked — each training row is (series, origin
``t``, step ``h``) with features known at ``t`` plus ``h`` itself, and the target is the change
``y[t+h] - y[t]`` divided by the series' scale (its mean absolute one-step change). Predicting
changes rather than levels lets trees extrapolate trending series; scaling lets series in
different units share one model. Five models are trained: the point forecast (squared error)
and the 2.5%, 10%, 90% and 97.5% quantiles (pinball loss), calibrated on the most recent
rows (conformalized quantile regression) and sorted so bounds never cross.
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
MIN_CALIBRATION_ROWS = 30


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
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
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
        self.offsets_: dict[str, dict[str, np.ndarray]] = {}
        fallback_keys: list[tuple[str, str]] = []
        rng = np.random.default_rng(self.random_state)
        for group, keys in groups.items():
            categories = self._categories(keys)
            self.categories_[group] = categories
            features, targets, recency = self._training_rows(keys, categories)
            if len(targets) < MIN_TRAINING_ROWS:
                fallback_keys.extend(keys)
                self.warnings_.append(
                    make_warning(
                        None,
                        self.name,
                        "fallback",
                        f"group {group}: only {len(targets)} training rows (needs "
                        f"{MIN_TRAINING_ROWS}); naive forecast used for its {len(keys)} series",
                        code="run.fallback.few_rows",
                        params={
                            "group": str(group),
                            "training_rows": len(targets),
                            "needed": MIN_TRAINING_ROWS,
                            "series": len(keys),
                        },
                    )
                )
                continue
            self.columns_[group] = _informative_columns(features, len(categories))
            features = features[:, self.columns_[group]]
            self.models_[group], self.offsets_[group] = self._fit_group(
                group, features, targets, recency, categories, rng
            )
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

    def _fit_group(self, group, features, targets, recency, categories, rng):
        """Point model on every row; quantile models split-conformally calibrated.

        Quantile models fitted in-sample give intervals that are too narrow. The rows whose
        target falls in the last ``horizon`` periods are held out; the quantile models are
        fitted on the rest and their bounds widened (or narrowed) by the conformity scores
        on the held-out rows, per step (conformalized quantile regression, Romano et al.
        2019). Without enough rows to hold out, the bounds stay uncalibrated and a warning
        says so.
        """
        calibrating = recency < int(self.horizon)
        proper = ~calibrating
        can_calibrate = calibrating.sum() >= MIN_CALIBRATION_ROWS and proper.sum() >= max(
            MIN_TRAINING_ROWS, MIN_CALIBRATION_ROWS
        )
        mean_rows = self._subsample(len(targets), rng)
        models = {
            "mean": self._fit_one(
                self.point_loss, None, features[mean_rows], targets[mean_rows], categories
            )
        }
        quantile_rows = np.flatnonzero(proper) if can_calibrate else np.arange(len(targets))
        quantile_rows = quantile_rows[self._subsample(len(quantile_rows), rng)]
        models.update(
            self._fit_quantiles(features[quantile_rows], targets[quantile_rows], categories)
        )
        steps = features[:, len(categories)].astype(int)  # the step column follows categories
        horizon = int(self.horizon)
        offsets = {level: np.zeros(horizon + 1) for level in ("80", "95")}
        if not can_calibrate:
            self.warnings_.append(
                make_warning(
                    None,
                    self.name,
                    "uncalibrated_interval",
                    f"group {group}: too few recent rows to calibrate the quantile intervals "
                    "(they may be too narrow)",
                    code="run.uncalibrated_interval",
                    params={"group": str(group)},
                )
            )
            return models, offsets
        held = np.flatnonzero(calibrating)
        held = held[self._subsample(len(held), rng)]
        with threadpool_limits(limits=self.n_threads):
            predicted = _predict_each(
                {column: models[column] for column in INTERVAL_COLUMNS}, features[held]
            )
        actual = targets[held]
        for level, lower, upper, coverage in (
            ("80", "lower_80", "upper_80", 0.8),
            ("95", "lower_95", "upper_95", 0.95),
        ):
            scores = np.maximum(predicted[lower] - actual, actual - predicted[upper])
            pooled = _conformal_quantile(scores, coverage)
            for step in range(1, horizon + 1):
                at_step = scores[steps[held] == step]
                offsets[level][step] = (
                    _conformal_quantile(at_step, coverage)
                    if len(at_step) >= MIN_CALIBRATION_ROWS
                    else pooled
                )
        return models, offsets

    def _fit_quantiles(self, features, targets, categories) -> dict:
        return {
            column: self._fit_one("quantile", quantile, features, targets, categories)
            for column, quantile in zip(INTERVAL_COLUMNS, INTERVAL_QUANTILES, strict=True)
        }

    def _subsample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        if size <= self.max_training_rows:
            return np.arange(size)
        return np.sort(rng.choice(size, size=self.max_training_rows, replace=False))

    def _fit_one(self, loss, quantile, features, targets, categories):
        # A subset of rows (held-in part, subsample) may leave a column without any value,
        # which HistGradientBoosting cannot bin; a constant column is simply never used.
        empty = ~np.isfinite(features).any(axis=0)
        if empty.any():
            features = features.copy()
            features[:, empty] = 0.0
        n_categorical = len(categories)  # categorical columns come first and are always kept
        mask = np.zeros(features.shape[1], dtype=bool)
        mask[:n_categorical] = True
        model = HistGradientBoostingRegressor(
            loss=loss,
            quantile=quantile,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=mask if n_categorical else None,
            early_stopping=False,
            random_state=self.random_state,
        )
        with threadpool_limits(limits=self.n_threads):
            return model.fit(features, targets)

    # -- features ------------------------------------------------------------------------

    def _lags(self, item: Series) -> int:
        if self.n_lags is not None:
            return max(1, int(self.n_lags))
        return max(4, season_length_for(item.frequency))

    def _training_rows(self, keys, categories) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features, targets, and for each row how many periods its target lies before the
        series' end (0 = the last value): recent rows calibrate the intervals."""
        feature_blocks, target_blocks, recency_blocks = [], [], []
        horizon = int(self.horizon)
        for key in keys:
            prepared, item = self.prepared_[key], self.series_[key]
            values = prepared["values"]
            n = len(values)
            if n < 2:
                continue
            # The step-free columns for every origin, computed once and cut per step.
            shared = self._shared_columns(item, prepared, np.arange(0, n - 1), categories)
            for step in range(1, horizon + 1):
                origins = np.arange(0, n - step)
                if len(origins) == 0:
                    continue
                feature_blocks.append(
                    self._features(
                        item,
                        prepared,
                        origins,
                        step,
                        categories,
                        {name: block[: len(origins)] for name, block in shared.items()},
                    )
                )
                target_blocks.append((values[origins + step] - values[origins]) / prepared["scale"])
                recency_blocks.append(n - 1 - (origins + step))
        if not target_blocks:
            return np.empty((0, 0)), np.empty(0), np.empty(0, dtype=int)
        return (
            np.vstack(feature_blocks),
            np.concatenate(target_blocks),
            np.concatenate(recency_blocks),
        )

    def _features(
        self,
        item: Series,
        prepared: dict,
        origins: np.ndarray,
        step: int,
        categories: dict[str, dict[str, int]],
        shared: dict[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Feature matrix for forecasting ``step`` ahead from each origin index.

        Columns: categories (region, indicator), step, lagged changes, seasonal change (last
        cycle and averaged over up to four cycles), the indicator's mean scaled change over
        all regions (the common movement, less noisy than any one region), distances to
        rolling means, rolling spread, distance to the expanding mean, history length,
        calendar position of the target period. ``shared`` holds the columns that do not
        depend on the step (from :meth:`_shared_columns` for the same origins).
        """
        if shared is None:
            shared = self._shared_columns(item, prepared, origins, categories)
        values, scale = prepared["values"], prepared["scale"]
        columns = [shared["head"], np.full((len(origins), 1), float(step)), shared["lags"]]
        season = season_length_for(item.frequency)
        if season > 1:
            last = values[origins]
            back = season * int(np.ceil(step / season))
            if back <= 63:
                position = origins + step - back
                valid = position >= 0
                earlier = np.where(valid, values[np.clip(position, 0, None)], np.nan)
                change = (earlier - last) / scale
            else:
                change = last * 0
            history = _seasonal_history_change(values, origins, step, season) / scale
            columns.append(np.column_stack([change, history]))
        columns.append(shared["tail"])
        target_ordinals = item.start.ordinal + origins + step
        calendar = target_ordinals % season if season > 1 else np.zeros(len(origins))
        columns.append(calendar.astype(float)[:, None])
        return np.hstack(columns)

    def _shared_columns(
        self,
        item: Series,
        prepared: dict,
        origins: np.ndarray,
        categories: dict[str, dict[str, int]],
    ) -> dict[str, np.ndarray]:
        """The feature columns that do not depend on the step, as three blocks."""
        values, scale = prepared["values"], prepared["scale"]
        padded = np.concatenate([np.full(64, np.nan), values])
        base = origins + 64
        last = values[origins]
        head = []
        if "region" in categories:
            head.append(np.full(len(origins), categories["region"].get(item.region, np.nan)))
        if "indicator" in categories:
            head.append(np.full(len(origins), categories["indicator"].get(item.indicator, np.nan)))
        lags = [
            (last - padded[base - lag]) / scale for lag in range(1, min(self._lags(item), 63) + 1)
        ]
        season = season_length_for(item.frequency)
        tail = []
        panel = self.panel_.get(item.indicator)
        if panel is not None:
            origin_ordinals = item.start.ordinal + origins
            for window in (1, 3, max(season, 6)):
                tail.append(panel.change(origin_ordinals, window))
        cumulative = np.concatenate([[0.0], np.cumsum(values)])
        for window in (3, max(season, 6)):
            start = np.maximum(origins + 1 - window, 0)
            means = (cumulative[origins + 1] - cumulative[start]) / (origins + 1 - start)
            tail.append((means - last) / scale)
        tail.append(prepared["spread"][origins] / scale)
        expanding = cumulative[origins + 1] / (origins + 1)
        tail.append((last - expanding) / scale)
        tail.append((origins + 1).astype(float))

        def block(parts: list[np.ndarray]) -> np.ndarray:
            return np.column_stack(parts) if parts else np.empty((len(origins), 0))

        return {"head": block(head), "lags": block(lags), "tail": block(tail)}

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
            shared = self._shared_columns(item, prepared, origin, categories)
            rows.extend(
                self._features(item, prepared, origin, step, categories, shared)
                for step in range(1, horizon + 1)
            )
        features = np.vstack(rows)[:, columns]
        with threadpool_limits(limits=self.n_threads):
            raw = _predict_each(models, features)
        offsets = self.offsets_[group]
        steps = np.tile(np.arange(1, horizon + 1), len(keys))
        for level in ("80", "95"):
            raw[f"lower_{level}"] = raw[f"lower_{level}"] - offsets[level][steps]
            raw[f"upper_{level}"] = raw[f"upper_{level}"] + offsets[level][steps]
        frames = []
        for number, key in enumerate(keys):
            item, prepared = self.series_[key], self.prepared_[key]
            block = slice(number * horizon, (number + 1) * horizon)
            last, scale = prepared["values"][-1], prepared["scale"]
            predicted = {name: last + values[block] * scale for name, values in raw.items()}
            if prepared["logged"]:
                predicted = {name: np.exp(values) for name, values in predicted.items()}
            block = forecast_rows(
                item, predicted["mean"], {c: predicted[c] for c in INTERVAL_COLUMNS}, self.name
            )
            frames.append(sort_bounds(block))
        return concat_frames(frames)


def _predict_each(models: dict, features: np.ndarray) -> dict[str, np.ndarray]:
    """Each named model's predictions; a model shared by several names (the linear model
    stands for all four bounds before calibration) predicts once."""
    done: dict[int, np.ndarray] = {}
    result = {}
    for name, model in models.items():
        if id(model) not in done:
            done[id(model)] = model.predict(features)
        result[name] = done[id(model)]
    return result


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
    """Indices of the columns worth giving the model: categories, the step, and features
    that vary.

    Short annual series leave long lags empty; a column without two distinct values carries
    no information (and HistGradientBoosting cannot bin an all-missing column).
    """
    keep = []
    for column in range(features.shape[1]):
        values = features[:, column]
        finite = values[np.isfinite(values)]
        if column <= n_categorical or (len(finite) and np.ptp(finite) > 0):
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


def _conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The ceil((n + 1) * coverage) / n empirical quantile of conformity scores."""
    if len(scores) == 0:
        return 0.0
    level = min(1.0, np.ceil((len(scores) + 1) * coverage) / len(scores))
    return float(np.quantile(scores, level, method="higher"))


class _PerStepRidge:
    """One ridge regression per forecast step (column 0), missing features imputed.

    The linear counterpart of the boosting models: the same features, but each step gets
    its own weights (how fast a deviation fades depends on how far ahead one looks).
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def fit(self, features: np.ndarray, targets: np.ndarray) -> _PerStepRidge:
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.models_ = {}
        for step in np.unique(features[:, 0]):
            rows = features[:, 0] == step
            model = make_pipeline(
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                StandardScaler(),
                Ridge(alpha=self.alpha),
            )
            self.models_[step] = model.fit(features[rows, 1:], targets[rows])
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        result = np.zeros(len(features))
        known = np.array(sorted(self.models_))
        for step in np.unique(features[:, 0]):
            rows = features[:, 0] == step
            nearest = known[np.argmin(np.abs(known - step))]
            result[rows] = self.models_[nearest].predict(features[rows, 1:])
        return result


class GlobalLinearForecaster(GlobalGradientBoostingForecaster):
    """The global model's features with one ridge regression per step instead of trees.

    Pooled linear autoregressions are strong on many short, noisy series (Montero-Manso &
    Hyndman, 2021): they learn how far each kind of deviation reverts at each step, from
    every region at once. Intervals are split-conformal: the same calibration as the
    boosting model's, applied to a point forecast (symmetric bounds from held-out errors).

    Parameters
    ----------
    horizon, n_lags, log_positive, max_training_rows, random_state :
        As for :class:`GlobalGradientBoostingForecaster`.
    alpha : float
        Ridge penalty on standardised features.
    """

    name = "linear"

    def __init__(
        self,
        horizon: int = 8,
        pooling: str = "frequency",
        n_lags: int | None = None,
        log_positive: bool = False,
        alpha: float = 10.0,
        max_training_rows: int = 50000,
        random_state: int = 0,
    ) -> None:
        self.horizon = horizon
        self.pooling = pooling
        self.n_lags = n_lags
        self.log_positive = log_positive
        self.alpha = alpha
        self.max_training_rows = max_training_rows
        self.random_state = random_state

    # Parameters the shared machinery reads; fixed for the linear model.
    use_region = False
    n_threads = 1
    point_loss = "squared_error"

    def _fit_one(self, loss, quantile, features, targets, categories):
        return _PerStepRidge(self.alpha).fit(features, targets)

    def _fit_quantiles(self, features, targets, categories) -> dict:
        """One point model on the held-in rows stands for every bound before calibration."""
        model = _PerStepRidge(self.alpha).fit(features, targets)
        return dict.fromkeys(INTERVAL_COLUMNS, model)
