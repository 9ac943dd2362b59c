"""Rolling-origin evaluation: how well would each model have forecast, had we used it before?

Protocol (see ``docs/forecasting.md``). For each indicator, origins are cut at calendar
periods ``c_k = last - horizon - k * step`` (k = 0 .. n_origins - 1), shared by all regions of
the indicator. At origin k every model is fitted afresh on the observations at or before the
cut-off of their indicator and forecasts ``horizon`` periods; forecasts are compared with the
held-back actual values. Nothing after a cut-off reaches the model fitted at that origin.

Errors are scaled once per series (MASE) by the in-sample seasonal-naive (or naive, when the
training part is shorter than a season) mean absolute error on the training part before the
earliest origin, so every origin and every model of a series is divided by the same number.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from forecasting import metrics
from forecasting.models.base import (
    INTERVAL_COLUMNS,
    INTERVAL_QUANTILES,
    check_horizon,
    check_observations,
    make_warning,
    probability_at_least,
    season_length_for,
    sharing_series,
    warning_lines,
    warnings_heading,
)
from forecasting.models.baselines import NaiveForecaster, SeasonalNaiveForecaster
from forecasting.models.combination import (
    VALUE_COLUMNS,
    combination_name,
    combination_weights,
)

METRIC_COLUMNS = ("mase", "smape", "rmse", "coverage_80", "coverage_95", "pinball", "brier")
ProgressCallback = Callable[[float, str], None]
#: Working column: each period's ordinal, computed once per backtest for fast splits.
ORDINAL = "_period_ordinal"


@dataclass
class BacktestResult:
    """Per-forecast records of a rolling-origin backtest, and their summaries.

    ``records`` has one row per (model, origin, series, future period) with the actual value,
    the forecast and the per-point error terms; the summaries average these terms.
    """

    records: pd.DataFrame
    origins: pd.DataFrame
    timings: pd.DataFrame
    horizon: int
    threshold: float | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    #: Per indicator, the weights of its estimated-weight combination
    #: (:func:`with_weighted_combination`), fitted on all origins: what a refit applies.
    combination_weights: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.records.copy()

    def metrics(self, by: Sequence[str] = ("model",)) -> pd.DataFrame:
        """Average the error terms within groups of ``by`` (columns of the records)."""
        columns = [*by]
        if self.records.empty:
            return pd.DataFrame(columns=[*columns, *self._metric_names(), "n"])
        grouped = self.records.groupby(columns, sort=True, observed=True)
        table = pd.DataFrame(
            {
                "mase": grouped["scaled_error"].mean(),
                "smape": grouped["smape"].mean(),
                "rmse": np.sqrt(grouped["squared_error"].mean()),
                "coverage_80": grouped["covered_80"].mean(),
                "coverage_95": grouped["covered_95"].mean(),
                "pinball": grouped["scaled_pinball"].mean(),
                "n": grouped.size(),
            }
        )
        if self.threshold is not None:
            table.insert(6, "brier", grouped["brier"].mean())
        return table.reset_index()

    def _metric_names(self) -> list[str]:
        return [name for name in METRIC_COLUMNS if name != "brier" or self.threshold is not None]

    def overall(self) -> pd.DataFrame:
        table = self.metrics(("model",))
        if not self.timings.empty:
            table = table.merge(self.timings, on="model", how="left")
        return table

    def by_horizon(self) -> pd.DataFrame:
        return self.metrics(("model", "step"))

    def by_region(self) -> pd.DataFrame:
        return self.metrics(("model", "region"))

    def by_indicator(self) -> pd.DataFrame:
        return self.metrics(("model", "indicator"))

    def summary(self) -> str:
        if self.records.empty:
            return "Backtest produced no evaluable forecasts."
        table = self.overall().sort_values("mase")
        lines = [
            f"Rolling-origin backtest: {self.records['origin'].nunique()} origin(s), horizon "
            f"{self.horizon}, {self.records[['region', 'indicator']].drop_duplicates().shape[0]}"
            " series.",
            table.to_string(index=False, float_format=lambda value: f"{value:.3f}"),
        ]
        if self.warnings:
            problems = warning_lines(self.warnings)
            lines.append(warnings_heading(self.warnings, problems, 5))
            lines.extend(f"  - {line}" for line in problems[:5])
        return "\n".join(lines)


def with_baselines(models: Mapping[str, object] | Sequence[object]) -> dict[str, object]:
    """Name the candidate models and add the naive and seasonal-naive baselines if absent."""
    named = _name_models(models)
    kinds = {type(model) for model in named.values()}
    result = {}
    if NaiveForecaster not in kinds and "naive" not in named:
        result["naive"] = NaiveForecaster()
    if SeasonalNaiveForecaster not in kinds and "seasonal_naive" not in named:
        result["seasonal_naive"] = SeasonalNaiveForecaster()
    result.update(named)
    return result


def _name_models(models: Mapping[str, object] | Sequence[object]) -> dict[str, object]:
    if isinstance(models, Mapping):
        return dict(models)
    named: dict[str, object] = {}
    for model in models:
        base = getattr(model, "name", type(model).__name__)
        name, number = base, 2
        while name in named:
            name, number = f"{base}_{number}", number + 1
        named[name] = model
    return named


#: Periods an origin needs before it (the first training window of a backtest).
MIN_TRAIN = 3


def testable_steps(
    observations: pd.DataFrame, min_train: int = MIN_TRAIN
) -> dict[str, tuple[int, int]]:
    """Per indicator: (periods its history spans, the most steps ahead a backtest can test).

    A history of ``n`` periods holds a test of ``n - min_train`` steps after ``min_train``
    training periods (17 annual values: 14 steps). ``backtest`` refuses a horizon no
    indicator can test; ``forecast`` and ``train`` accept it with a ``beyond_history``
    warning (``horizon_notes``), as the later steps rest on no backtest.
    """
    spans = {}
    for indicator, periods in observations.groupby("indicator", sort=True)["period"]:
        first, last = periods.min(), periods.max()  # vectorised on a period column
        length = int(last.ordinal - first.ordinal + 1)
        spans[str(indicator)] = (length, max(0, length - int(min_train)))
    return spans


def horizon_notes(
    observations: pd.DataFrame, horizon: int, min_train: int = MIN_TRAIN
) -> list[str]:
    """The ``beyond_history`` warning of ``forecast`` and ``train``: the indicators whose
    history cannot test ``horizon`` steps, with what it can test, or none."""
    short = {
        indicator: span
        for indicator, span in testable_steps(observations, min_train).items()
        if span[1] < int(horizon)
    }
    if not short:
        return []
    listed = ", ".join(
        f"{indicator} ({length} periods, {steps} step(s) tested)"
        for indicator, (length, steps) in short.items()
    )
    return [
        f"horizon {horizon} is longer than the history of {len(short)} indicator(s) can "
        f"backtest after {min_train} training periods: {listed}; the later steps rest on no "
        "backtest"
    ]


def ended_early(observations: pd.DataFrame, horizon: int) -> list[dict[str, Any]]:
    """The ``ended_early`` warning of ``forecast`` and ``train``: the series whose last
    value lies ``horizon`` periods or more before their indicator's last period.

    Each series is forecast from its own last period, so such a series' whole forecast
    covers periods the other series of its indicator have observed already (a region or firm
    that stopped reporting years ago). A series one release behind the others is the usual
    staggered publication and is not named. One warning per series, with ``params``
    (``last``, ``indicator_last``, ``behind``: periods between them).
    """
    if observations.empty:
        return []
    lasts = observations.groupby(["indicator", "region"], sort=True)["period"].max()
    notes = []
    for indicator, series_lasts in lasts.groupby(level="indicator", sort=True):
        indicator_last = series_lasts.max()
        for (_, region), last in series_lasts.items():
            behind = int(indicator_last.ordinal - last.ordinal)
            if behind < int(horizon):
                continue
            notes.append(
                {
                    "region": str(region),
                    "indicator": str(indicator),
                    "model": "forecast",
                    "category": "ended_early",
                    "message": (
                        f"series {region}/{indicator} ends in {last}, {behind} period(s) "
                        f"before the last period of {indicator} ({indicator_last}): it is "
                        f"forecast from its own last value, so its {int(horizon)} forecast "
                        "period(s) are ones the other series have observed already; "
                        "update or remove the series if it is no longer reported"
                    ),
                    "params": {
                        "last": str(last),
                        "indicator_last": str(indicator_last),
                        "behind": behind,
                    },
                }
            )
    return notes


def plan_origins(
    observations: pd.DataFrame,
    horizon: int,
    n_origins: int,
    step: int | None = None,
    min_train: int = MIN_TRAIN,
) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Cut-off period of each (indicator, origin), and warnings where the history is short.

    Fallback when the history is too short for ``n_origins`` full-horizon origins: fewer
    origins; if not even one fits, a single origin after ``min_train`` periods evaluated on
    the steps that exist; if the indicator has ``min_train`` periods or fewer, no backtest.
    """
    horizon = check_horizon(horizon)
    if int(n_origins) < 1:
        raise ValueError(f"n_origins must be >= 1, got {n_origins}")
    step = max(1, horizon // 2) if step is None else int(step)
    rows, warnings = [], []
    for indicator, group in observations.groupby("indicator", sort=True):
        first, last = group["period"].min(), group["period"].max()
        length = last.ordinal - first.ordinal + 1
        cutoffs = [
            last - (horizon + k * step)
            for k in range(int(n_origins))
            if length - horizon - k * step >= min_train
        ]
        if not cutoffs:
            if length <= min_train:
                warnings.append(
                    _coded(
                        ("", str(indicator)),
                        "not_evaluated",
                        f"{length} period(s) of history: too short to backtest (needs more "
                        f"than {min_train}); the model cannot be chosen by accuracy",
                        length=int(length),
                        min_train=int(min_train),
                    )
                )
                continue
            cutoffs = [first + (min_train - 1)]
            warnings.append(
                _coded(
                    ("", str(indicator)),
                    "short_history",
                    f"{length} period(s) of history cannot hold a {horizon}-step test after "
                    f"{min_train} training periods: one origin, evaluated on "
                    f"{length - min_train} step(s) only",
                    length=int(length),
                    horizon=int(horizon),
                    min_train=int(min_train),
                    steps=int(length - min_train),
                )
            )
        elif len(cutoffs) < int(n_origins):
            warnings.append(
                _coded(
                    ("", str(indicator)),
                    "fewer_origins",
                    f"{length} period(s) of history allow only {len(cutoffs)} of "
                    f"{n_origins} origins for horizon {horizon}",
                    length=int(length),
                    origins=len(cutoffs),
                    requested=int(n_origins),
                    horizon=int(horizon),
                )
            )
        for origin, cutoff in enumerate(cutoffs):
            rows.append({"indicator": str(indicator), "origin": origin, "cutoff": cutoff})
    return pd.DataFrame(rows, columns=["indicator", "origin", "cutoff"]), warnings


def series_scales(
    observations: pd.DataFrame, origins: pd.DataFrame
) -> tuple[dict[tuple[str, str], float], list[dict[str, str]]]:
    """MASE denominator of each series, from its values up to the earliest cut-off."""
    earliest = origins.groupby("indicator")["cutoff"].min().to_dict()
    frame = observations[observations["indicator"].isin(earliest)]
    ordinals = (
        frame[ORDINAL].to_numpy()
        if ORDINAL in frame
        else np.array([period.ordinal for period in frame["period"]], dtype=np.int64)
    )
    limits = frame["indicator"].map({key: cut.ordinal for key, cut in earliest.items()})
    training = frame.assign(_ordinal=ordinals)[ordinals <= limits.to_numpy()]
    training = training.sort_values(["region", "indicator", "_ordinal"], kind="stable")
    scales, warnings = {}, []
    groups = training.groupby(["region", "indicator"], sort=True)["value"]
    values_by_series = {key: group.to_numpy(dtype=float) for key, group in groups}
    for region, indicator in (
        frame[["region", "indicator"]].drop_duplicates().sort_values(["region", "indicator"])
    ).itertuples(index=False):
        values = values_by_series.get((region, indicator), np.empty(0))
        cutoff = earliest[indicator]
        season = season_length_for(cutoff.freqstr) if len(values) else 1
        scale = float("nan")
        for lag in dict.fromkeys((season, 1)):
            candidate = metrics.naive_scale(values, lag)
            if np.isfinite(candidate) and candidate > 0:
                scale = candidate
                break
        if not np.isfinite(scale):
            warnings.append(
                _coded(
                    (str(region), str(indicator)),
                    "mase_undefined",
                    "training part before the first origin is constant or too short: MASE "
                    "undefined for this series, left out of MASE and pinball averages",
                )
            )
        scales[(str(region), str(indicator))] = scale
    return scales, warnings


def rolling_origin_backtest(
    observations: pd.DataFrame,
    models: Mapping[str, object] | Sequence[object],
    horizon: int = 8,
    n_origins: int = 3,
    step: int | None = None,
    include_baselines: bool = True,
    threshold: float | None = None,
    min_train: int = 3,
    progress: ProgressCallback | None = None,
    n_jobs: int = 1,
) -> BacktestResult:
    """Evaluate ``models`` by rolling origins; baselines are always evaluated beside them.

    ``threshold`` (e.g. the lower bound of the "high" risk class) adds the Brier score of
    the forecast probability that the value reaches it. ``n_jobs`` > 1 runs the (origin,
    model) fits in that many processes (joblib); results do not depend on it.
    """
    horizon = check_horizon(horizon)
    frame = check_observations(observations)
    frame[ORDINAL] = _ordinals(frame["period"])
    candidates = with_baselines(models) if include_baselines else _name_models(models)
    origins, warnings = plan_origins(frame, horizon, n_origins, step, min_train)
    scales, scale_warnings = series_scales(frame, origins)
    warnings.extend(scale_warnings)
    seconds = dict.fromkeys(candidates, 0.0)
    records = []
    jobs = [
        (origin, name, origins[origins["origin"] == origin])
        for origin in sorted(origins["origin"].unique())
        for name in candidates
    ]
    tasks = (
        delayed(_run_origin)(frame, cut, candidates[name], name, origin, horizon)
        for origin, name, cut in jobs
    )
    if n_jobs == 1:
        splits: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}

        def shared_split(origin: int, cut: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
            """One split per origin for all candidates (jobs run origin by origin)."""
            if origin not in splits:
                splits.clear()
                splits[origin] = _split(frame, cut)
                shared.offer(splits[origin][0])  # its candidates split it into series once
            return splits[origin]

        outcomes = (
            _run_origin(
                frame, cut, candidates[name], name, origin, horizon, shared_split(origin, cut)
            )
            for origin, name, cut in jobs
        )
    else:
        outcomes = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    with sharing_series() as shared:
        for done, (name, origin, records_frame, entries, spent) in enumerate(outcomes):
            seconds[name] += spent
            warnings.extend(entries)
            if records_frame is not None:
                records.append(records_frame)
            if progress is not None:
                progress((done + 1) / len(jobs), f"backtest origin {origin + 1}: {name}")
    table = _with_terms(pd.concat(records, ignore_index=True) if records else None, scales)
    if threshold is not None and not table.empty:
        table["probability"] = probability_at_least(table, float(threshold))
        table["outcome"] = (table["actual"] >= float(threshold)).astype(float)
        table["brier"] = np.square(table["probability"] - table["outcome"])
    timings = pd.DataFrame(
        {"model": list(seconds), "seconds": [round(value, 3) for value in seconds.values()]}
    )
    return BacktestResult(
        records=table,
        origins=origins,
        timings=timings,
        horizon=horizon,
        threshold=threshold,
        warnings=_deduplicate(warnings),
    )


COMBINATION_SEPARATOR = "+"


def with_combinations(result: BacktestResult, size: int | Sequence[int] = 2) -> BacktestResult:
    """Add, per indicator, the equal-weight combination of its ``size`` best models (one
    combination per size when ``size`` is a sequence, e.g. ``(2, 3)``).

    Averaging the forecasts (and the interval bounds, i.e. the quantiles) of good but
    different models is a cheap, robust gain (the M competitions); evaluating it needs no new
    fit, only the records already computed. The combination is named ``"a+b"`` (members in
    alphabetical order, so one set has one name whichever indicator it serves). Members are
    ranked among the single models only (never among combinations already added).
    """
    records = result.records
    sizes = sorted({int(size)} if isinstance(size, int | np.integer) else {int(s) for s in size})
    sizes = [value for value in sizes if value >= 2]
    if records.empty or not sizes:
        return result
    table = result.by_indicator()
    table = table[~table["model"].astype(str).str.contains(COMBINATION_SEPARATOR, regex=False)]
    combined = []
    key = ["origin", "region", "indicator", "period"]
    value_columns = ["mean", *INTERVAL_COLUMNS]
    ranked = table[table["mase"].notna()].groupby("indicator")
    for (indicator, rows), size in (
        (group, size) for group in ranked for size in sizes
    ):  # fmt: skip
        rows = rows[rows["n"] == rows["n"].max()].sort_values("mase", kind="stable")
        members = sorted(str(name) for name in rows["model"].head(size))
        if len(members) < size:
            continue
        parts = records[(records["indicator"] == indicator) & records["model"].isin(members)]
        # One frequency per indicator: the ordinal identifies the period (formatting every
        # period as text to group on it cost more than the averaging).
        parts = parts.assign(period_key=_ordinals(parts["period"]))
        group_key = [column if column != "period" else "period_key" for column in key]
        grouped = parts.groupby(group_key, sort=False)
        first = grouped.first()
        means = grouped[value_columns].mean()
        counts = grouped.size()
        complete = counts[counts == size].index
        frame = first.loc[complete].copy()
        frame[value_columns] = means.loc[complete]
        frame = frame.reset_index().drop(columns="period_key")
        name = COMBINATION_SEPARATOR.join(members)
        frame["model"] = name
        frame["model_used"] = name
        combined.append(frame.loc[:, [c for c in records.columns if c in frame.columns]])
    if not combined:
        return result
    return _with_records(result, combined)


def _with_records(
    result: BacktestResult,
    combined: list[pd.DataFrame],
    weights: Mapping[str, dict[str, float]] | None = None,
) -> BacktestResult:
    """``result`` with the combinations' records (error terms computed here) added."""
    records = result.records
    # One scale per series: read it from one row each, not from every record.
    first = records.drop_duplicates(["region", "indicator"])
    scales = dict(
        zip(zip(first["region"], first["indicator"], strict=True), first["scale"], strict=True)
    )
    extra = _with_terms(pd.concat(combined, ignore_index=True), scales)
    if result.threshold is not None:
        extra["probability"] = probability_at_least(extra, float(result.threshold))
        extra["outcome"] = (extra["actual"] >= float(result.threshold)).astype(float)
        extra["brier"] = np.square(extra["probability"] - extra["outcome"])
    return BacktestResult(
        records=pd.concat([records, extra], ignore_index=True),
        origins=result.origins,
        timings=result.timings,
        horizon=result.horizon,
        threshold=result.threshold,
        warnings=result.warnings,
        combination_weights={**result.combination_weights, **dict(weights or {})},
    )


def with_weighted_combination(result: BacktestResult, weighting: str = "optimal") -> BacktestResult:
    """Add, per indicator, the combination of its single models with weights estimated
    from the backtest (``"optimal"``: lowest MASE of the combination on the simplex;
    ``"inverse_mase"``: 1 / MASE; :func:`forecasting.models.combination.combination_weights`).

    The members are the single models evaluated on every backtest point of the indicator.
    Its records are honest about the weights: the points of each origin are combined with
    weights estimated on the *other* origins only (leave one origin out), so the combination
    competes in the choice with an error measured on points its weights never saw, as the
    single models' errors are. The weights a refit applies are estimated on all origins and
    kept in ``combination_weights`` (indicator -> member -> weight); the name lists the
    members they use (``weighted:a+b+c``), and an indicator where they put everything on one
    model gets no combination (that model is a candidate already). Needs two origins.
    """
    records = result.records
    if records.empty or records["origin"].nunique() < 2:
        return result
    is_single = ~records["model"].astype(str).str.contains(COMBINATION_SEPARATOR, regex=False)
    singles = records[is_single]
    table = result.metrics(("model", "indicator"))
    table = table[
        ~table["model"].astype(str).str.contains(COMBINATION_SEPARATOR, regex=False)
        & table["mase"].notna()
    ]
    combined, weights = [], {}
    for indicator, rows in table.groupby("indicator", sort=True):
        members = sorted(str(name) for name in rows.loc[rows["n"] == rows["n"].max(), "model"])
        if len(members) < 2:
            continue
        part = singles[(singles["indicator"] == indicator) & singles["model"].isin(members)]
        part = part.assign(period_key=_ordinals(part["period"]))
        key = ["origin", "region", "period_key"]
        wide = part.pivot(index=key, columns="model", values=list(VALUE_COLUMNS))
        wide = wide.dropna(subset=[("mean", member) for member in members])
        first = part[part["model"] == members[0]].set_index(key).loc[wide.index]
        actual, scale = first["actual"].to_numpy(float), first["scale"].to_numpy(float)
        origins = wide.index.get_level_values("origin").to_numpy()
        if len(np.unique(origins)) < 2:
            continue
        means = wide["mean"][members].to_numpy(float)
        usable = np.isfinite(actual) & np.isfinite(scale) & (scale > 0)
        final = combination_weights(means[usable], actual[usable], scale[usable], weighting)
        used = [member for member, weight in zip(members, final, strict=True) if weight > 0]
        if len(used) < 2:
            continue
        point_weights = np.empty_like(means)
        for origin in np.unique(origins):
            fold = usable & (origins != origin)
            if not fold.any():
                break
            point_weights[origins == origin] = combination_weights(
                means[fold], actual[fold], scale[fold], weighting
            )
        else:
            frame = first.reset_index().drop(columns="period_key")
            for column in VALUE_COLUMNS:
                values = wide[column][members].to_numpy(float)
                frame[column] = np.sum(point_weights * values, axis=1)
            name = combination_name(used, "weighted")
            frame["model"] = name
            frame["model_used"] = name
            combined.append(frame.loc[:, [c for c in records.columns if c in frame.columns]])
            weights[str(indicator)] = {
                member: float(weight)
                for member, weight in zip(members, final, strict=True)
                if weight > 0
            }
    if not combined:
        return result
    return _with_records(result, combined, weights)


def add_combinations(
    result: BacktestResult, sizes: Sequence[int] = (2, 3), weighting: str | None = "optimal"
) -> BacktestResult:
    """The combinations ``AutoForecaster`` chooses among: equal-weight ones of each
    indicator's ``sizes`` best models (:func:`with_combinations`), and the one with weights
    estimated by ``weighting`` (:func:`with_weighted_combination`; None: not tried)."""
    result = with_combinations(result, sizes)
    if weighting is not None:
        result = with_weighted_combination(result, weighting)
    return result


def choose_per_indicator(result: BacktestResult, order: Sequence[str] = ()) -> dict[str, str]:
    """Per indicator, the model with the lowest mean MASE among those evaluated on every
    backtest point of it; ties go to the model earlier in ``order`` (then by name).

    The rule ``AutoForecaster`` chooses by, so ``backtest`` prints the choice ``forecast``
    makes. Indicators without any MASE (too short, or constant before the first origin) are
    absent: the caller says which fallback applies.
    """
    table = result.by_indicator()
    if table.empty:
        return {}
    position = {name: number for number, name in enumerate(order)}
    table = table[table["mase"].notna()]
    chosen = {}
    for indicator, rows in table.groupby("indicator", sort=True):
        rows = rows[rows["n"] == rows["n"].max()]
        rows = rows.assign(
            position=[position.get(str(name), len(position)) for name in rows["model"]],
            name=rows["model"].astype(str),
        ).sort_values(["mase", "position", "name"], kind="stable")
        chosen[str(indicator)] = str(rows.iloc[0]["model"])
    return chosen


def _run_origin(frame, cut, candidate, name: str, origin: int, horizon: int, split=None):
    """Fit one model at one origin and evaluate it; a failure becomes a warning.

    ``split`` is the origin's (training, actuals) pair when the caller already has it (in
    one process every candidate of an origin shares it); None splits ``frame`` here.
    """
    training, actuals = _split(frame, cut) if split is None else split
    model = _with_horizon(clone(candidate), horizon)
    started = time.perf_counter()
    try:
        forecast = model.fit(training).predict(horizon)
    except Exception as error:  # one failing model must not sink the others
        entry = make_warning(
            None, name, "model_failed", f"origin {origin}: {type(error).__name__}: {error}"
        )
        entry["params"] = {
            "origin": int(origin),
            "error": type(error).__name__,
            "detail": str(error),
        }
        return name, origin, None, [entry], time.perf_counter() - started
    spent = time.perf_counter() - started
    # ``params["origin"]`` lets a page word the "origin N:" prefix in its own language.
    entries = [
        {
            **item,
            "message": f"origin {origin}: {item['message']}",
            "params": {**(item.get("params") or {}), "origin": int(origin)},
        }
        for item in forecast.warnings
    ]
    return name, origin, _evaluate(forecast.to_frame(), actuals, cut, name, origin), entries, spent


def _with_horizon(model, horizon: int):
    """Models trained for a fixed horizon (direct strategy) must cover the backtest's."""
    params = model.get_params(deep=False)
    if "horizon" in params and params["horizon"] is not None and params["horizon"] < horizon:
        model.set_params(horizon=horizon)
    return model


def _split(frame: pd.DataFrame, cut: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cutoffs = dict(zip(cut["indicator"], cut["cutoff"], strict=True))
    in_scope = frame[frame["indicator"].isin(cutoffs)]
    # Periods compare within an indicator (one frequency each): compare their ordinals.
    limits = {indicator: cutoff.ordinal for indicator, cutoff in cutoffs.items()}
    before = in_scope[ORDINAL].to_numpy() <= in_scope["indicator"].map(limits).to_numpy()
    return in_scope[before], in_scope[~before]


def _evaluate(forecasts, actuals, cut, name: str, origin: int) -> pd.DataFrame:
    # Joined on period ordinals (integers; one frequency per indicator): hashing Period
    # objects, or boxing a period[...] column into them, cost more than the models' fits.
    forecasts = forecasts.assign(**{ORDINAL: _ordinals(forecasts["period"])})
    actuals = actuals.loc[:, ["region", "indicator", ORDINAL, "value"]]
    merged = forecasts.merge(
        actuals.rename(columns={"value": "actual"}),
        on=["region", "indicator", ORDINAL],
        how="inner",
    )
    merged["period"] = _boxed(merged["period"])
    cutoffs = dict(zip(cut["indicator"], cut["cutoff"], strict=True))
    merged["cutoff"] = merged["indicator"].map(cutoffs).astype(object)
    limits = merged["indicator"].map({key: value.ordinal for key, value in cutoffs.items()})
    merged["step"] = merged[ORDINAL].to_numpy() - limits.to_numpy()
    merged = merged.drop(columns=ORDINAL).rename(columns={"model": "model_used"})
    merged.insert(0, "model", name)
    merged.insert(1, "origin", origin)
    return merged


def _boxed(periods: pd.Series) -> pd.Series:
    """Periods as objects (records mix frequencies), boxing each distinct period once."""
    if isinstance(periods.dtype, pd.PeriodDtype):
        codes, distinct = pd.factorize(periods)
        boxed = np.asarray(distinct.astype(object))[codes]
        return pd.Series(boxed, index=periods.index, dtype=object)
    return periods.astype(object)


def _ordinals(periods: pd.Series) -> np.ndarray:
    if isinstance(periods.dtype, pd.PeriodDtype):
        return np.asarray(periods.array.asi8)
    return np.array([period.ordinal for period in periods], dtype=np.int64)


def _with_terms(table: pd.DataFrame | None, scales) -> pd.DataFrame:
    if table is None or table.empty:
        return pd.DataFrame(
            columns=["model", "origin", "region", "indicator", "period", "step", "actual", "mean"]
        )
    actual, mean = table["actual"].to_numpy(float), table["mean"].to_numpy(float)
    # One lookup per series, not per row (records hold every step of every origin).
    series = table.groupby(["region", "indicator"], sort=False).ngroup().to_numpy()
    first = table.drop_duplicates(["region", "indicator"])
    scale = np.array(
        [
            scales.get((region, indicator), np.nan)
            for region, indicator in zip(first["region"], first["indicator"], strict=True)
        ],
        dtype=float,
    )[series]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["scale"] = scale
        table["scaled_error"] = np.abs(actual - mean) / scale
        table["smape"] = metrics.smape_terms(actual, mean)
        table["squared_error"] = np.square(actual - mean)
        table["covered_80"] = (
            (actual >= table["lower_80"].to_numpy(float))
            & (actual <= table["upper_80"].to_numpy(float))
        ).astype(float)
        table["covered_95"] = (
            (actual >= table["lower_95"].to_numpy(float))
            & (actual <= table["upper_95"].to_numpy(float))
        ).astype(float)
        pinball = np.mean(
            [
                metrics.pinball_terms(actual, table[column].to_numpy(float), quantile)
                for column, quantile in zip(INTERVAL_COLUMNS, INTERVAL_QUANTILES, strict=True)
            ],
            axis=0,
        )
        table["pinball"] = pinball
        table["scaled_pinball"] = pinball / scale
    return table.sort_values(["model", "origin", "indicator", "region", "step"], ignore_index=True)


def _coded(key: tuple[str, str], category: str, message: str, **params: Any) -> dict[str, Any]:
    """A backtest warning with its ``params`` beside the English ``message``: the category is
    its code, and a web page words it from both in the page's language (the CLI prints the
    message)."""
    return {**make_warning(key, "backtest", category, message), "params": params}


def _deduplicate(warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, result = set(), []
    for item in warnings:
        key = json.dumps(item, sort_keys=True, default=str)  # params are dicts
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result
