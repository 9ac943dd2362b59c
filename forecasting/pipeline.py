"""Training pipeline: data in, a complete, storable forecasting run out.

``train`` validates the observations, chooses a model per indicator by rolling-origin
backtest, refits and forecasts every indicator, scores the history with the risk index,
forecasts each region's score by the same machinery, turns the score forecasts into the
probability of reaching the "high" class, and writes the model card. The web app, the CLI
and notebooks all call this one function, so a run means the same thing everywhere.
"""

from __future__ import annotations

import io
import json
import pickle
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecasting.backtest import (
    MIN_TRAIN,
    BacktestResult,
    ended_early,
    horizon_notes,
    testable_steps,
)
from forecasting.card import (
    ModelCard,
    build_model_card,
    chosen_mase_sentence,
    chosen_summary,
    data_hash,
)
from forecasting.contract import validate_observations, within_valid_ranges
from forecasting.geography import EndedUnit, RegionResolver, without_ended_units
from forecasting.models.auto import DEFAULT_SCORE_MODELS, AutoForecaster, default_candidates
from forecasting.models.base import (
    probability_at_least,
    warning_lines,
    warnings_heading,
)
from forecasting.registry import (
    BACKTEST,
    CARD_JSON,
    CARD_MARKDOWN,
    FORECASTS,
    SCORE_FORECASTS,
    SCORES,
    frame_to_bytes,
)

#: Indicator name under which the risk score is forecast and reported.
SCORE_TARGET = "score"
SCORE_RANGE = (0.0, 10.0)
MODELS_ARTIFACT = "models.pkl"

Progress = Callable[[float, str], None]


class TrainingError(ValueError):
    """The data cannot be trained on; the message says why."""


@dataclass
class TrainingRun:
    """Everything a training run produced; ``artifacts()`` is what the registry stores."""

    forecasts: pd.DataFrame
    scores: pd.DataFrame
    score_forecasts: pd.DataFrame
    backtest: BacktestResult
    score_backtest: BacktestResult | None
    card: ModelCard
    chosen_models: dict[str, str]
    parameters: dict[str, Any]
    data_hash: str
    warnings: list[dict[str, Any]] = field(default_factory=list)
    score_result: Any = None
    models: dict[str, AutoForecaster] = field(default_factory=dict)
    seconds: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """Indicator and score forecasts in one frame (score rows have ``indicator="score"``)."""
        return pd.concat([self.forecasts, self.score_forecasts], ignore_index=True)

    def metrics_table(self) -> pd.DataFrame:
        """Backtest metrics by target, model and step (step empty = all steps), long enough
        for any page: every indicator, the score, and ``all`` indicators together."""
        parts = []
        for target, result in self._backtests():
            by_step = result.metrics(("indicator", "model", "step"))
            overall = result.metrics(("indicator", "model"))
            parts += [by_step, overall]
            if target == "indicators":
                everything = result.metrics(("model",))
                everything.insert(0, "indicator", "all")
                parts.append(everything)
        parts = [part for part in parts if not part.empty]
        if not parts:  # nothing long enough to backtest (a single period, say): no rows
            names = self.backtest.metrics(("indicator", "model", "step")).columns
            return pd.DataFrame(
                columns=["target" if name == "indicator" else name for name in names]
            )
        table = pd.concat(parts, ignore_index=True)
        table = table.rename(columns={"indicator": "target"})
        table["step"] = table["step"].astype("Int64") if "step" in table else pd.NA
        return table

    def _backtests(self) -> list[tuple[str, BacktestResult]]:
        items = [("indicators", self.backtest)]
        if self.score_backtest is not None:
            items.append(("score", self.score_backtest))
        return items

    def artifacts(self, include_models: bool = False) -> dict[str, bytes]:
        artifacts = {
            FORECASTS: frame_to_bytes(self.forecasts),
            SCORES: frame_to_bytes(self.scores),
            SCORE_FORECASTS: frame_to_bytes(self.score_forecasts),
            BACKTEST: frame_to_bytes(self.metrics_table()),
            CARD_MARKDOWN: self.card.to_markdown().encode("utf-8"),
            CARD_JSON: self.card.to_json().encode("utf-8"),
            "warnings.json": json.dumps(self.warnings, indent=1, ensure_ascii=False).encode(),
        }
        if include_models:
            buffer = io.BytesIO()
            pickle.dump(self.models, buffer, protocol=pickle.HIGHEST_PROTOCOL)
            artifacts[MODELS_ARTIFACT] = buffer.getvalue()
        return artifacts

    def message(self) -> str:
        return (
            f"{len(self.chosen_models)} indicators, {self.forecasts['region'].nunique()} "
            f"regions, {len(self.warnings)} warnings, {self.seconds:.1f} s"
        )

    def summary(self) -> str:
        lines = [
            f"Training run on data {self.data_hash[:12]}: {self.message()}.",
            "Chosen models: "
            + ", ".join(f"{name}={model}" for name, model in self.chosen_models.items()),
        ]
        sentence = chosen_mase_sentence(
            chosen_summary(self.backtest, self.chosen_models), "Backtest MASE, chosen models"
        )
        if sentence is not None:
            lines.append(sentence)
        if not self.score_forecasts.empty:
            latest = self.score_forecasts.sort_values("period").groupby("region").last()
            risky = latest[latest["probability_high"] >= 0.5].index.tolist()
            lines.append(
                f"Score forecasts for {len(latest)} regions; P(high or above) >= 0.5 at the "
                f"last forecast period: {', '.join(risky) or 'none'}."
            )
        if self.warnings:
            problems = warning_lines(self.warnings)
            lines.append(warnings_heading(self.warnings, problems, 5))
            lines += [f"  - {line}" for line in problems[:5]]
        return "\n".join(lines)


def train(
    observations: pd.DataFrame,
    catalogue: pd.DataFrame | None = None,
    horizon: int = 8,
    n_origins: int = 3,
    random_state: int = 0,
    progress: Progress | None = None,
    candidates: Mapping[str, object] | Sequence[object] | None = None,
    domain_weights: Mapping[str, float] | None = None,
    class_bounds: Sequence[float] | None = None,
    n_jobs: int = 1,
    resolver: RegionResolver | None = None,
) -> TrainingRun:
    """Train, backtest, choose, forecast and score; see the module docstring.

    A unit of ``resolver``'s region list (default: Kazakhstan's) that had ended by a period's
    last day is neither scored nor forecast for it (``geography.has_ended``, as the CLI's
    ``forecast`` and ``score``); an ``ended_unit`` warning names it.

    ``catalogue`` None uses the default catalogue. Indicators the catalogue does not know
    are still forecast but cannot enter the score (a warning says so). ``progress`` is called
    with (fraction done, message). ``n_jobs`` processes run the backtest fits.
    """
    from forecasting.index import CLASS_BOUNDS, RiskIndex, RiskIndexError, default_catalogue
    from forecasting.index.classes import classify, high_threshold

    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    np.random.seed(random_state)  # statsmodels' simulation paths draw from the global state
    report(0.0, "validating observations")
    if observations is None or len(observations) == 0:
        raise TrainingError("no observations to train on")
    data = validate_observations(observations)
    catalogue = default_catalogue() if catalogue is None else catalogue
    bounds = tuple(CLASS_BOUNDS if class_bounds is None else class_bounds)
    threshold = high_threshold(bounds)
    parameters = {
        "horizon": int(horizon),
        "n_origins": int(n_origins),
        "random_state": int(random_state),
        "class_bounds": list(bounds),
        "high_threshold": threshold,
        "candidates": sorted(
            (candidates or default_candidates(horizon, random_state)).keys()
            if isinstance(candidates or {}, Mapping)
            else [getattr(model, "name", type(model).__name__) for model in candidates]
        ),
        "domain_weights": dict(domain_weights or {}),
    }
    if candidates is None:  # the score has its own default set (one more, cheap there)
        parameters["score_candidates"] = sorted(DEFAULT_SCORE_MODELS)
    # A horizon longer than the history can test is accepted, as by forecast, and said.
    warnings: list[dict[str, Any]] = [
        {**_note("beyond_history", note), "params": _beyond_history_params(data, horizon)}
        for note in horizon_notes(data, horizon)
    ]

    indicator_model = AutoForecaster(
        candidates=candidates,
        horizon=horizon,
        n_origins=n_origins,
        random_state=random_state,
        progress=lambda fraction, message: report(0.02 + 0.6 * fraction, message),
        n_jobs=n_jobs,
    ).fit(data)
    indicator_result = indicator_model.predict(horizon)
    forecasts, ended = without_ended_units(_with_steps(indicator_result.to_frame()), resolver)
    forecasts = within_valid_ranges(
        forecasts, dict(zip(catalogue["code"], catalogue["unit"], strict=True))
    )
    # A series that stopped long before its indicator is forecast into periods already past
    # (unless it is a unit whose forecasts were all left out above, which that note says).
    forecast_keys = set(zip(forecasts["region"], forecasts["indicator"], strict=True))
    warnings += [
        {**note, "model": "pipeline"}
        for note in ended_early(data, horizon)
        if (note["region"], note["indicator"]) in forecast_keys
    ]
    warnings += _ended_notes(ended, "forecast period(s)")
    warnings += indicator_result.warnings

    report(0.62, "scoring the history with the risk index")
    scores, score_result = pd.DataFrame(columns=["region", "period", "score"]), None
    known = data[data["indicator"].isin(set(catalogue["code"]))]
    unknown = sorted(set(data["indicator"]) - set(catalogue["code"]))
    if unknown:
        warnings.append(_note("unknown_indicators", f"not in the catalogue, not scored: {unknown}"))
    if not known.empty:
        try:
            index = RiskIndex(
                catalogue, domain_weights=domain_weights, class_bounds=bounds, resolver=resolver
            )
            score_result = index.fit(known).score(known)
            scores = score_result.to_frame()
            warnings += _index_notes(score_result)
        except RiskIndexError as error:
            warnings.append(_note("score_skipped", f"risk score not computed: {error}"))

    score_forecasts, score_backtest, score_model = _forecast_scores(
        scores, candidates, horizon, n_origins, random_state, threshold, bounds, classify, report,
        n_jobs,
    )  # fmt: skip
    score_forecasts, ended = without_ended_units(score_forecasts, resolver)
    warnings += _ended_notes(ended, "score forecast period(s)", SCORE_TARGET)
    if score_model is not None:
        warnings += [
            {**item, "indicator": item.get("indicator") or SCORE_TARGET}
            for item in score_model.predict(horizon).warnings
        ]

    report(0.97, "writing the model card")
    score_section = _score_card_section(score_backtest, threshold, score_forecasts)
    card = build_model_card(
        data,
        indicator_model.backtest_,
        indicator_model.chosen_models_,
        parameters,
        warnings,
        score=score_section,
        interval_factors=getattr(indicator_model, "interval_factors_", None),
    )
    models = {"indicators": indicator_model}
    if score_model is not None:
        models[SCORE_TARGET] = score_model
    run = TrainingRun(
        forecasts=forecasts,
        scores=scores,
        score_forecasts=score_forecasts,
        backtest=indicator_model.backtest_,
        score_backtest=score_backtest,
        card=card,
        chosen_models=dict(indicator_model.chosen_models_),
        parameters=parameters,
        data_hash=data_hash(data),
        warnings=warnings,
        score_result=score_result,
        models=models,
    )
    run.seconds = time.perf_counter() - started
    report(1.0, f"done in {run.seconds:.1f} s")
    return run


def _forecast_scores(
    scores, candidates, horizon, n_origins, random_state, threshold, bounds, classify, report,
    n_jobs=1,
):  # fmt: skip
    """Forecast each region's score series; add P(score >= high threshold) and the class."""
    columns = [
        "region", "indicator", "period", "step", "mean", "lower_80", "upper_80",
        "lower_95", "upper_95", "model", "probability_high", "risk_class",
    ]  # fmt: skip
    empty = pd.DataFrame(columns=columns)
    if scores.empty or scores["score"].notna().sum() == 0:
        return empty, None, None
    series = scores.loc[scores["score"].notna(), ["region", "period", "score"]].rename(
        columns={"score": "value"}
    )
    series.insert(2, "indicator", SCORE_TARGET)
    report(0.65, "backtesting score forecasts")
    if candidates is None:
        candidates = default_candidates(horizon, random_state, names=DEFAULT_SCORE_MODELS)
    model = AutoForecaster(
        candidates=candidates,
        horizon=horizon,
        n_origins=n_origins,
        threshold=threshold,
        random_state=random_state,
        n_jobs=n_jobs,
        progress=lambda fraction, message: report(0.65 + 0.3 * fraction, f"score: {message}"),
    ).fit(series)
    frame = _with_steps(model.predict(horizon).to_frame())
    frame["probability_high"] = probability_at_least(frame, threshold)
    low, high = SCORE_RANGE
    for column in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
        frame[column] = frame[column].clip(low, high)
    frame["risk_class"] = classify(frame["mean"].to_numpy(), bounds)
    return frame.loc[:, columns], model.backtest_, model


def _with_steps(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``step`` (periods ahead of the series' last observation) after ``period``."""
    frame = frame.copy()
    frame.insert(3, "step", frame.groupby(["region", "indicator"], sort=False).cumcount() + 1)
    return frame


def _score_card_section(backtest, threshold, score_forecasts) -> dict[str, Any]:
    if backtest is None:
        return {}
    overall = backtest.overall()
    section: dict[str, Any] = {
        "high_threshold": threshold,
        "regions_forecast": int(score_forecasts["region"].nunique()),
        "overall": json.loads(overall.replace({np.nan: None}).to_json(orient="records")),
    }
    if "brier" in overall:
        section["brier_by_model"] = {
            row["model"]: round(float(row["brier"]), 4) for _, row in overall.iterrows()
        }
    return section


def _ended_notes(
    ended: Sequence[EndedUnit], what: str, indicator: str = ""
) -> list[dict[str, Any]]:
    """One ``ended_unit`` warning per unit left out of ``what`` after its end; ``params``
    let the web pages word it in the reader's language (``left_out``: forecasts or score)."""
    left_out = "score" if indicator == SCORE_TARGET else "forecasts"
    return [
        {"region": unit.code, "indicator": indicator, "model": "pipeline",
         "category": "ended_unit", "message": unit.message(what),
         "params": {**unit.params(), "left_out": left_out}}
        for unit in ended
    ]  # fmt: skip


def _index_notes(score_result: Any) -> list[dict[str, Any]]:
    """The risk index's warnings as run warnings, each with its ``code`` and ``params``: a
    unit left out of the scores after its end is an ``ended_unit`` warning like those of the
    forecasts (``left_out``: scores), the others are ``risk_index`` warnings."""
    notes = []
    issues = getattr(score_result, "issues", None) or [
        {"code": None, "params": {}, "message": str(text)} for text in score_result.warnings
    ]
    for issue in issues:
        if issue["code"] == "index.ended_unit":
            params = {**issue["params"], "left_out": "scores"}
            notes.append(
                {**_note("ended_unit", issue["message"]), "region": params["unit"],
                 "params": params}
            )  # fmt: skip
            continue
        note: dict[str, Any] = _note("risk_index", issue["message"])
        if issue["code"]:
            note.update(code=issue["code"], params=issue["params"])
        notes.append(note)
    return notes


def _beyond_history_params(data: pd.DataFrame, horizon: int) -> dict[str, Any]:
    """The ``beyond_history`` warning as data: per short indicator, its periods and the
    steps a backtest could test (``horizon_notes`` words the same in English)."""
    return {
        "horizon": int(horizon),
        "min_train": MIN_TRAIN,
        "indicators": [
            [indicator, length, steps]
            for indicator, (length, steps) in testable_steps(data).items()
            if steps < int(horizon)
        ],
    }


def _note(category: str, message: str) -> dict[str, str]:
    return {"region": "", "indicator": "", "model": "pipeline", "category": category,
            "message": message}  # fmt: skip
