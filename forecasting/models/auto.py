"""Model selection per indicator by rolling-origin backtest.

No single model wins on every indicator: a seasonal survey series suits ETS, a short noisy
rate suits the naive forecast, a panel of similar regions suits the global model. The
``AutoForecaster`` lets the out-of-sample record decide, indicator by indicator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:
    from forecasting.backtest import BacktestResult, ProgressCallback

# Imported as a module: forecasting.backtest imports this package in turn.
from forecasting import backtest as backtest_module
from forecasting.models.base import (
    BaseForecaster,
    ForecastResult,
    check_horizon,
    check_observations,
    concat_frames,
    make_warning,
    sharing_series,
)
from forecasting.models.baselines import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.boosting import (
    GlobalGradientBoostingForecaster,
    GlobalLinearForecaster,
)
from forecasting.models.calibration import apply_interval_factors, interval_factors
from forecasting.models.combination import combination_members, combine_frames
from forecasting.models.ets import ExponentialSmoothingForecaster
from forecasting.models.panel import PanelMeanForecaster
from forecasting.models.panel_ar import PanelAutoregressiveForecaster
from forecasting.models.smoothing import PooledExponentialSmoothingForecaster

#: Steeper trends for ``series_ets``: smooth series (fertility rates) follow their last slope.
STEEP_TREND_GAINS = (0.03, 0.08, 0.15, 0.3, 0.6, 1.0)
STEEP_DAMPINGS = (0.8, 0.9, 0.95, 0.98)


def available_models(horizon: int = 8, random_state: int = 0) -> dict[str, BaseForecaster]:
    """Every model this package offers, by the name used on the command line and in cards."""
    return {
        "naive": NaiveForecaster(),
        "seasonal_naive": SeasonalNaiveForecaster(),
        "ses": ExponentialSmoothingForecaster(trend=None),
        "ets": ExponentialSmoothingForecaster(),
        "pooled_ets": PooledExponentialSmoothingForecaster(horizon=horizon),
        "series_ets": PooledExponentialSmoothingForecaster(
            horizon=horizon,
            pooling="series",
            trend="auto",
            trend_gains=STEEP_TREND_GAINS,
            dampings=STEEP_DAMPINGS,
        ),
        "panel_last": PanelMeanForecaster(common="last"),
        "panel_mean": PanelMeanForecaster(common="season_mean"),
        "panel_ar": PanelAutoregressiveForecaster(log_positive=True),
        "linear": GlobalLinearForecaster(horizon=horizon, random_state=random_state),
        "gbm": GlobalGradientBoostingForecaster(horizon=horizon, random_state=random_state),
    }


#: Tried by default: all cheap (each fitted once for all series, or vectorised over them),
#: so the whole choice costs about what one statsmodels ETS fit per series costs. ``ses``,
#: ``ets``, ``linear`` and ``gbm`` are available by name: on the demo panel ``pooled_ets``
#: beats SES and ETS at a twentieth of their time or less; on the fertility panel
#: ``series_ets`` beats ETS; ``gbm`` changed the demo panel's chosen MASE by under 0.1% for a
#: backtest as long as all default candidates' together, and ``linear`` by 0.4% while taking
#: a third of the choice's time on the fertility panel (it is tried for the risk score).
#: ``panel_mean`` (a region's shrunk offset from the path all regions share) averages well
#: with ``pooled_ets``: demo ratio to seasonal naive 0.833 -> 0.817, and lower in an honest
#: check on four seeds; ``panel_last`` as well helped in-sample only. ``panel_ar`` (a region's
#: random level and AR(1) swing around the common path, by maximum likelihood over the
#: regions) is the best single model on the demo panel (mean ratio over seeds 2026 and 1-9
#: 0.832 against 0.869 for ``panel_mean``) and lowered the chosen ratio from 0.821 to 0.805;
#: without ``panel_mean`` beside it the chosen ratio was 0.814. It models positive indicators
#: in logarithms (``log_positive=True``): held out (bench/forecasting_selection.py, seeds 2026
#: and 1-9) the chosen ratio fell from 0.808 to 0.790 on average and the fertility panel's
#: held-out MASE from 0.786 to 0.745 (docs/forecasting.md, "Logarithms in panel_ar").
DEFAULT_MODELS = (
    "naive",
    "seasonal_naive",
    "pooled_ets",
    "series_ets",
    "panel_mean",
    "panel_ar",
)
#: Sizes of the equal-weight combinations of each indicator's best models that are tried
#: beside the single models. On the demo panel adding the three best lowered the chosen
#: MASE ratio to seasonal naive from 0.839 to 0.833, and in an honest check (choosing on the
#: two older origins, scoring the newest) from 0.822 to 0.815; choosing per step instead
#: looked better in-sample (0.823) but was worse honestly (0.837), so it is not done.
COMBINATION_SIZES = (2, 3)
#: How the weights of the estimated-weight combination tried beside them are found
#: (:func:`forecasting.backtest.with_weighted_combination`): ``"optimal"``, the weights on the
#: simplex with the lowest backtest MASE over all single models, its records combined with
#: weights estimated on the other origins. Demo panel, ten seeds, honest check (choose on the
#: two older origins, score the newest): ratio to seasonal naive 0.806 -> 0.802, lower or
#: equal on eight seeds; inverse-MASE weights gained nothing over equal ones.
COMBINATION_WEIGHTING = "optimal"
#: Tried by default for the regions' risk score (one smooth composite series per region, few
#: series, so cheap): the pooled linear autoregression forecasts it best on the demo panel
#: (Brier score of P(high) 0.200 against 0.215 for pooled_ets and 0.219 for naive).
DEFAULT_SCORE_MODELS = (*DEFAULT_MODELS, "linear")


def default_candidates(
    horizon: int = 8, random_state: int = 0, names: Sequence[str] | None = None
) -> dict[str, BaseForecaster]:
    """The models tried when none are given (``names`` picks a subset by name)."""
    models = available_models(horizon, random_state)
    names = DEFAULT_MODELS if names is None else tuple(names)
    unknown = [name for name in names if name not in models]
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; available: {', '.join(models)}")
    return {name: models[name] for name in names}


class AutoForecaster(BaseForecaster):
    """Per indicator, the candidate with the lowest backtest MASE, refitted on all data.

    Parameters
    ----------
    candidates : mapping name -> estimator, sequence of estimators, or None
        Models to compare; None uses :func:`default_candidates`. The naive and seasonal
        naive baselines are always added.
    horizon : int
        Steps ahead evaluated in the backtest (and the default of ``predict``).
    n_origins : int
        Rolling origins per indicator.
    step : int or None
        Periods between origins; None means half the horizon.
    threshold : float or None
        If given, the backtest also scores P(value >= threshold) by the Brier score.
    random_state : int
        Seeds the default candidates.
    progress : callable(fraction, message) or None
        Called as the backtest advances.
    n_jobs : int
        Processes for the backtest fits (1: in this process).
    combine : bool
        Also consider, per indicator, the equal-weight combinations of its two and of its
        three best models (named ``"a+b"``, ``"a+b+c"``; :data:`COMBINATION_SIZES`) and the
        combination of its single models with weights estimated by ``weighting`` (named
        ``"weighted:a+b+c"`` after the members it weighs); one is chosen when its backtest
        MASE is lowest.
    weighting : {"optimal", "inverse_mase"} or None
        How the estimated-weight combination's weights are found
        (:func:`forecasting.models.combination.combination_weights`); None: not tried.
    calibrate_intervals : bool
        Widen the chosen models' 80% and 95% intervals, per indicator and step ahead, by the
        factors their own backtest errors call for (:mod:`forecasting.models.calibration`),
        so that they cover what they promise; the probabilities read from the intervals
        follow. False keeps each model's own intervals.

    Attributes
    ----------
    interval_factors_ : DataFrame
        Per indicator and step, the chosen model's backtest coverage and the factors
        applied to its 80% and 95% half-widths (all 1 when ``calibrate_intervals`` is
        False).
    combination_weights_ : dict indicator -> (member -> weight)
        The weights applied where an estimated-weight combination was chosen (estimated on
        all backtest origins).
    """

    name = "auto"

    def __init__(
        self,
        candidates: Mapping[str, object] | Sequence[object] | None = None,
        horizon: int = 8,
        n_origins: int = 3,
        step: int | None = None,
        threshold: float | None = None,
        random_state: int = 0,
        progress: ProgressCallback | None = None,
        n_jobs: int = 1,
        combine: bool = True,
        calibrate_intervals: bool = True,
        weighting: str | None = COMBINATION_WEIGHTING,
    ) -> None:
        self.candidates = candidates
        self.horizon = horizon
        self.n_origins = n_origins
        self.step = step
        self.threshold = threshold
        self.random_state = random_state
        self.progress = progress
        self.n_jobs = n_jobs
        self.combine = combine
        self.calibrate_intervals = calibrate_intervals
        self.weighting = weighting

    def fit(self, observations: pd.DataFrame, y: None = None) -> AutoForecaster:
        horizon = check_horizon(self.horizon)
        frame = check_observations(observations)
        candidates = self.candidates
        if candidates is None:
            candidates = default_candidates(horizon, self.random_state)
        self.candidates_ = backtest_module.with_baselines(candidates)
        self.backtest_: BacktestResult = backtest_module.rolling_origin_backtest(
            frame,
            self.candidates_,
            horizon=horizon,
            n_origins=self.n_origins,
            step=self.step,
            threshold=self.threshold,
            progress=self._backtest_progress,
            n_jobs=self.n_jobs,
        )
        if self.combine:
            self.backtest_ = backtest_module.add_combinations(
                self.backtest_, COMBINATION_SIZES, self.weighting
            )
        self.warnings_ = list(self.backtest_.warnings)
        self.chosen_models_ = self._choose(sorted(frame["indicator"].unique()))
        self.combination_weights_ = {
            indicator: dict(self.backtest_.combination_weights[indicator])
            for indicator, name in self.chosen_models_.items()
            if str(name).startswith("weighted:")
        }
        starts = {
            str(indicator): periods.min()
            for indicator, periods in frame.groupby("indicator")["period"]
        }
        self.interval_factors_ = interval_factors(
            self.backtest_.records, self.chosen_models_, starts
        )
        if not self.calibrate_intervals:
            self.interval_factors_[["factor_80", "factor_95"]] = 1.0
        self.models_: dict[str, BaseForecaster] = {}
        by_member: dict[str, list[str]] = {}
        for indicator, name in self.chosen_models_.items():
            for member in combination_members(name):
                by_member.setdefault(member, []).append(indicator)
        # Members of a combination serve the same indicators: one subset (and one split into
        # series) for all of them.
        subsets: dict[tuple[str, ...], pd.DataFrame] = {}
        with sharing_series() as shared:
            for number, (name, indicators) in enumerate(sorted(by_member.items())):
                model = clone(self.candidates_[name])
                params = model.get_params(deep=False)
                if "horizon" in params and params["horizon"] is not None:
                    model.set_params(horizon=max(int(params["horizon"]), horizon))
                key = tuple(sorted(indicators))
                if key not in subsets:
                    subsets[key] = frame[frame["indicator"].isin(indicators)]
                shared.offer(subsets[key])
                model.fit(subsets[key])
                self.models_[name] = model
                if self.progress is not None:
                    self.progress(0.8 + 0.2 * (number + 1) / len(by_member), f"refitted {name}")
        return self

    def _backtest_progress(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(0.8 * fraction, message)

    def _choose(self, indicators: list[str]) -> dict[str, str]:
        """Lowest mean MASE among models evaluated on every backtest point of the indicator
        (the rule of :func:`backtest.choose_per_indicator`, shared with ``backtest``)."""
        ranked = backtest_module.choose_per_indicator(self.backtest_, list(self.candidates_))
        chosen = {}
        for indicator in indicators:
            if indicator in ranked:
                chosen[indicator] = ranked[indicator]
                continue
            fallback = "naive" if "naive" in self.candidates_ else next(iter(self.candidates_))
            chosen[indicator] = fallback
            self.warnings_.append(
                make_warning(
                    ("", indicator),
                    self.name,
                    "not_selected_by_accuracy",
                    f"no backtest MASE for this indicator: {fallback} used",
                    code="run.not_selected_by_accuracy",
                    params={"fallback": fallback},
                )
            )
        return chosen

    def predict(self, horizon: int | None = None) -> ForecastResult:
        check_is_fitted(self, "models_")
        horizon = check_horizon(self.horizon if horizon is None else horizon)
        results = {name: model.predict(horizon) for name, model in self.models_.items()}
        frames = {name: result.to_frame() for name, result in results.items()}
        parts = []
        for indicator, chosen in self.chosen_models_.items():
            members = combination_members(chosen)
            rows = [frames[member][frames[member]["indicator"] == indicator] for member in members]
            if len(rows) == 1:
                parts.append(rows[0])
                continue
            weights = getattr(self, "combination_weights_", {}).get(indicator)
            shares = (
                [weights[member] for member in members]
                if weights is not None
                else [1.0 / len(members)] * len(members)
            )
            parts.append(_combined(rows, shares, chosen))
        frame = concat_frames(parts)
        frame = frame.sort_values(
            ["indicator", "region", "period"], ignore_index=True, key=_sortable
        )
        # Runs stored before calibration existed have no factors: their intervals as fitted.
        factors = getattr(self, "interval_factors_", None)
        if getattr(self, "calibrate_intervals", False) and factors is not None:
            frame = apply_interval_factors(frame, factors)
        warnings = [*self.warnings_]
        for result in results.values():
            warnings.extend(result.warnings)
        return ForecastResult(frame=frame, warnings=warnings)

    def selection_table(self) -> pd.DataFrame:
        """Backtest MASE of every candidate per indicator, with the chosen one marked."""
        check_is_fitted(self, "models_")
        table = self.backtest_.by_indicator()
        table["chosen"] = [
            self.chosen_models_.get(indicator) == model
            for model, indicator in zip(table["model"], table["indicator"], strict=True)
        ]
        return table


def _sortable(column: pd.Series) -> pd.Series:
    """Periods of mixed frequency do not compare; their start times do."""
    if column.name == "period":
        return pd.Series([period.start_time for period in column], index=column.index)
    return column


def _combined(frames: list[pd.DataFrame], weights: list[float], name: str) -> pd.DataFrame:
    """Weighted average of several models' forecasts of the same series (mean and bounds)."""
    keyed = [frame.assign(period_key=frame["period"].astype(str)) for frame in frames]
    combined = combine_frames(keyed, weights, name, ("region", "indicator", "period_key"))
    return combined.drop(columns="period_key")
