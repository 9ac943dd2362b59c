"""The model card's backtest figures in words an analyst reads: headings, model names, units.

The card stores the forecasting package's column names (``coverage_80``, ``pinball``) and
model codes (``panel_mean+pooled_ets``); the pages show what they mean, in the analyst's
language, with coverage as a percentage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

#: Column headings of the backtest tables, by the package's column name.
METRIC_LABELS = {
    "model": _l("Model"),
    "mase": _l("MASE"),
    "smape": _l("sMAPE, %"),
    "rmse": _l("RMSE"),
    "coverage_80": _l("Coverage of the %(level)s interval", level="80%"),
    "coverage_95": _l("Coverage of the %(level)s interval", level="95%"),
    "pinball": _l("Pinball loss"),
    "brier": _l("Brier score (“high” or above)"),
    "n": _l("Forecasts checked"),
    "seconds": _l("Seconds"),
}

#: What each heading means, for the legend under the table.
METRIC_HELP = {
    "mase": _l(
        "mean absolute error divided by that of the naive forecast on the training part; "
        "below 1 beats the naive forecast"
    ),
    "smape": _l("symmetric mean absolute percentage error"),
    "rmse": _l("root mean squared error, in the indicator's own unit"),
    "coverage_80": _l(
        "share of actual values inside the forecast's %(level)s interval; close to %(level)s "
        "is right",
        level="80%",
    ),
    "coverage_95": _l(
        "share of actual values inside the forecast's %(level)s interval; close to %(level)s "
        "is right",
        level="95%",
    ),
    "pinball": _l("quantile loss of the forecast intervals, scaled like MASE; lower is better"),
    "brier": _l(
        "squared error of the probability of “high” or above (0 is perfect, 0.25 a coin toss)"
    ),
    "n": _l("forecasts compared with what happened"),
    "seconds": _l("time to fit and forecast; empty for averages of models"),
}

MODEL_LABELS = {
    "naive": _l("Naive (last value)"),
    "seasonal_naive": _l("Seasonal naive (same season a cycle earlier)"),
    "pooled_ets": _l("Pooled exponential smoothing"),
    "series_ets": _l("Exponential smoothing per series"),
    "panel_mean": _l("Panel mean"),
    "panel_last": _l("Panel, last value"),
    "ses": _l("Simple exponential smoothing (statsmodels)"),
    "ets": _l("Exponential smoothing with damped trend (statsmodels)"),
    "linear": _l("Global linear model"),
    "gbm": _l("Global gradient boosting"),
    "panel_ar": _l("Regional panel: random level and AR(1) swing"),
}

#: Shown as percentages.
PERCENT_METRICS = frozenset({"coverage_80", "coverage_95"})
#: Babel patterns: up to three significant digits (``1,35``, ``0,614``), whole numbers grouped.
THREE_DIGITS = "@##"
WHOLE_NUMBER = "#,##0"


def model_label(code: str) -> str:
    """A model's name; ``a+b`` is the average of the models' forecasts, ``weighted:a+b``
    their average with weights estimated from the backtest."""
    code = str(code)
    weighted = code.startswith("weighted:")
    members = code.removeprefix("weighted:").split("+")
    parts = [str(MODEL_LABELS.get(part, part)) for part in members if part]
    if weighted and parts:
        return str(_l("Weighted average of: %(models)s", models=", ".join(parts)))
    if len(parts) > 1:
        return str(_l("Average of: %(models)s", models=", ".join(parts)))
    return parts[0] if parts else str(code)


@dataclass(frozen=True)
class MetricColumn:
    key: str
    label: str
    help: str


def metric_columns(rows: Sequence[Mapping[str, Any]]) -> list[MetricColumn]:
    """The columns of a backtest table in the stored order, each with its heading."""
    keys: list[str] = []
    for row in rows:
        keys += [key for key in row if key not in keys]
    return [
        MetricColumn(key, str(METRIC_LABELS.get(key, key)), str(METRIC_HELP.get(key, "")))
        for key in keys
    ]


def metric_text(key: str, value: Any) -> str:
    """One figure as the table shows it, in the page's locale (decimal comma in kk and ru,
    as on the review pages): coverage in %, counts whole, others to 3 significant digits."""
    if value is None or isinstance(value, bool):
        return "—"
    if key == "model":
        return model_label(value)
    if not isinstance(value, int | float):
        return str(value)
    if value != value:  # NaN
        return "—"
    if key in PERCENT_METRICS:
        return format_percent(value)
    if key == "n" or abs(value) >= 100:
        return format_decimal(round(value), format=WHOLE_NUMBER)
    return format_decimal(value, format=THREE_DIGITS)


@dataclass(frozen=True)
class ChosenModel:
    indicator: str
    model: str
    mase: Any
    mase_seasonal_naive: Any
    mase_naive: Any


def chosen_models(card: Mapping[str, Any]) -> list[ChosenModel]:
    """Per indicator: the model the backtest chose and its MASE beside the baselines'."""
    chosen = card.get("chosen_models") or {}
    summary = (card.get("chosen_summary") or {}).get("per_indicator") or {}
    rows = []
    for indicator, model in sorted(chosen.items()):
        figures = summary.get(indicator) or {}
        rows.append(
            ChosenModel(
                indicator=indicator,
                model=model_label(model),
                mase=figures.get("mase"),
                mase_seasonal_naive=figures.get("mase_seasonal_naive"),
                mase_naive=figures.get("mase_naive"),
            )
        )
    return rows
