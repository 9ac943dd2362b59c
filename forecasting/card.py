"""Model card: what was trained, on which data, how well it did, and what went wrong.

A forecast shown to officials must be traceable: the card records the data's hash (so
anyone can check which file produced it), the parameters, library versions, backtest
metrics beside the baselines, the model chosen per indicator, and every warning and
fallback. It is written as Markdown for people and JSON for machines.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from forecasting.backtest import BacktestResult
from forecasting.models.base import summarise_warning
from forecasting.models.calibration import FACTOR_COLUMNS

CANONICAL_COLUMNS = ("region", "indicator", "period", "value", "source", "n", "lower", "upper")
BASELINES = ("naive", "seasonal_naive")
MAX_LISTED_WARNINGS = 50


def data_hash(observations: pd.DataFrame) -> str:
    """sha256 of the observations as canonical CSV.

    Canonical: the contract's columns that are present, in a fixed order; rows sorted by
    indicator, region and period; periods as text; floats with 17 significant digits; ``\\n``
    line ends. The same data gives the same hash whatever the row order or dtypes.
    """
    columns = [column for column in CANONICAL_COLUMNS if column in observations.columns]
    frame = observations.loc[:, columns].copy()
    for column in ("region", "indicator", "period", "source"):
        if column in frame.columns:
            frame[column] = frame[column].astype(str)
    frame = frame.sort_values(["indicator", "region", "period"], kind="mergesort")
    text = frame.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def library_versions() -> dict[str, str]:
    import sklearn
    import statsmodels

    return {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "statsmodels": statsmodels.__version__,
    }


def describe_data(observations: pd.DataFrame) -> dict[str, Any]:
    """Row counts and the periods covered, per indicator."""
    indicators = {}
    for indicator, group in observations.groupby("indicator", sort=True):
        periods = list(group["period"])
        indicators[str(indicator)] = {
            "rows": len(group),
            "regions": int(group["region"].nunique()),
            "first_period": str(min(periods)),
            "last_period": str(max(periods)),
            "frequency": periods[0].freqstr[:1] if hasattr(periods[0], "freqstr") else "",
        }
    return {
        "rows": len(observations),
        "regions": int(observations["region"].nunique()),
        "indicators": indicators,
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.replace({np.nan: None})
    return json.loads(clean.to_json(orient="records", double_precision=6))


@dataclass
class ModelCard:
    """Everything the card shows; ``to_markdown`` and ``to_json`` render it."""

    title: str
    created_at: str
    data: dict[str, Any]
    data_hash: str
    parameters: dict[str, Any]
    versions: dict[str, str]
    overall: list[dict[str, Any]]
    by_horizon: list[dict[str, Any]]
    chosen_models: dict[str, str]
    chosen_summary: dict[str, Any]
    warnings: list[dict[str, str]] = field(default_factory=list)
    score: dict[str, Any] = field(default_factory=dict)
    interval_calibration: list[dict[str, Any]] = field(default_factory=list)
    #: Indicator -> member -> weight, where a combination with estimated weights was chosen.
    combination_weights: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "created_at": self.created_at,
            "data_hash": self.data_hash,
            "data": self.data,
            "parameters": self.parameters,
            "versions": self.versions,
            "metrics": {"overall": self.overall, "by_horizon": self.by_horizon},
            "chosen_models": self.chosen_models,
            "chosen_summary": self.chosen_summary,
            "warnings": {
                "count": len(self.warnings),
                "by_category": dict(Counter(item["category"] for item in self.warnings)),
                "items": self.warnings[:MAX_LISTED_WARNINGS],
            },
            "score": self.score,
            "interval_calibration": self.interval_calibration,
            "combination_weights": self.combination_weights,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def to_markdown(self) -> str:
        lines = [
            f"# {self.title}",
            "",
            f"- Created: {self.created_at}",
            f"- Data: {self.data['rows']} rows, {self.data['regions']} series keys (regions), "
            f"{len(self.data['indicators'])} indicators",
            f"- Data hash (sha256 of canonical CSV): `{self.data_hash}`",
            "- Libraries: " + ", ".join(f"{name} {value}" for name, value in self.versions.items()),
            "",
            "## Parameters",
            "",
            *[f"- `{name}`: {value}" for name, value in self.parameters.items()],
            "",
            "## Data covered",
            "",
            _markdown_table(
                [
                    {"indicator": name, **details}
                    for name, details in self.data["indicators"].items()
                ]
            ),
            "",
            "## Chosen model per indicator",
            "",
            _markdown_table(
                [
                    {
                        "indicator": name,
                        "model": model,
                        **self.chosen_summary.get("per_indicator", {}).get(name, {}),
                    }
                    for name, model in self.chosen_models.items()
                ]
            ),
            "",
        ]
        sentence = chosen_mase_sentence(self.chosen_summary, "Backtest MASE of the chosen models")
        if sentence is not None:
            lines += [sentence, ""]
        lines += [
            "## Backtest, all models (baselines included)",
            "",
            _markdown_table(self.overall),
            "",
            "## Backtest by horizon",
            "",
            _markdown_table(self.by_horizon),
            "",
        ]
        if self.combination_weights:
            lines += [
                "## Combination weights",
                "",
                "Where a `weighted:` combination was chosen, its members' weights (estimated "
                "on the backtest: lowest MASE of the combination).",
                "",
                _markdown_table(
                    [
                        {"indicator": indicator, "model": member, "weight": round(weight, 4)}
                        for indicator, weights in self.combination_weights.items()
                        for member, weight in weights.items()
                    ]
                ),
                "",
            ]
        if self.interval_calibration:
            lines += [
                "## Interval calibration",
                "",
                "The chosen models' 80% and 95% half-widths are multiplied by these factors "
                "(from their own backtest errors; 1 = as the model gave them). Coverage is the "
                "backtest's before calibration. First and last step shown; card.json has every step.",
                "",
                _markdown_table(_calibration_summary(self.interval_calibration)),
                "",
            ]
        if self.score:
            lines += ["## Risk score forecasts", ""]
            lines += [
                f"- {name}: {value}" for name, value in self.score.items() if name != "overall"
            ]
            if self.score.get("overall"):
                lines += ["", _markdown_table(self.score["overall"])]
            lines.append("")
        lines += ["## Warnings and fallbacks", ""]
        if not self.warnings:
            lines.append("None.")
        else:
            counts = Counter(item["category"] for item in self.warnings)
            lines.append(
                f"{len(self.warnings)} warning(s): "
                + ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
            )
            lines.append("")
            lines += [
                f"- {summarise_warning(item)}" for item in self.warnings[:MAX_LISTED_WARNINGS]
            ]
            if len(self.warnings) > MAX_LISTED_WARNINGS:
                lines.append(f"- ... and {len(self.warnings) - MAX_LISTED_WARNINGS} more")
        return "\n".join(lines) + "\n"


def _calibration_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """First and last step of each indicator (the JSON keeps every step)."""
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_indicator.setdefault(str(row["indicator"]), []).append(row)
    summary = []
    for items in by_indicator.values():
        items = sorted(items, key=lambda item: item["step"])
        for position in dict.fromkeys((0, len(items) - 1)):
            summary.append({key: items[position].get(key) for key in FACTOR_COLUMNS})
    return summary


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    columns = list(dict.fromkeys(column for row in rows for column in row))
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(column)) for column in columns) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("|", "\\|")


def chosen_summary(backtest: BacktestResult, chosen: dict[str, str]) -> dict[str, Any]:
    """MASE of the chosen model per indicator and overall, beside the baselines'."""
    records = backtest.records
    if records.empty:
        return {}
    table = backtest.by_indicator()
    per_indicator = {}
    for indicator, model in chosen.items():
        rows = table[table["indicator"] == indicator].set_index("model")["mase"]
        per_indicator[indicator] = {
            "mase": _float(rows.get(model)),
            "mase_seasonal_naive": _float(rows.get("seasonal_naive")),
            "mase_naive": _float(rows.get("naive")),
        }
    picked = records[
        [
            chosen.get(indicator) == model
            for model, indicator in zip(records["model"], records["indicator"], strict=True)
        ]
    ]
    result: dict[str, Any] = {"per_indicator": per_indicator}
    if not picked.empty:
        # None, not NaN, where no series has a scale (all constant before the first origin):
        # NaN is no JSON, and the card and the training summary printed "MASE nan".
        result["mase_chosen"] = _float(picked["scaled_error"].mean())
        for baseline in BASELINES:
            rows = records[
                (records["model"] == baseline) & records["indicator"].isin(picked["indicator"])
            ]
            result[f"mase_{baseline}"] = _float(rows["scaled_error"].mean())
    return result


def chosen_mase_sentence(summary: dict[str, Any], prefix: str) -> str | None:
    """``prefix`` and the chosen models' backtest MASE beside the baselines', or why there
    is none; ``None`` when nothing was backtested."""
    if "mase_chosen" not in summary:
        return None
    if summary["mase_chosen"] is None:
        return (
            f"{prefix}: undefined (every series is constant or too short before the first "
            "origin, so no error can be scaled)."
        )
    return (
        f"{prefix}: {summary['mase_chosen']:.3f} (seasonal naive "
        f"{summary['mase_seasonal_naive']:.3f}, naive {summary['mase_naive']:.3f})."
    )


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)


def build_model_card(
    observations: pd.DataFrame,
    backtest: BacktestResult,
    chosen_models: dict[str, str],
    parameters: dict[str, Any],
    warnings: list[dict[str, str]],
    score: dict[str, Any] | None = None,
    title: str = "Listening State forecasting model card",
    created_at: datetime | None = None,
    interval_factors: pd.DataFrame | None = None,
) -> ModelCard:
    """``interval_factors`` is ``AutoForecaster.interval_factors_`` (None: not recorded)."""
    created = (created_at or datetime.now(UTC)).replace(microsecond=0)
    return ModelCard(
        title=title,
        created_at=created.isoformat(),
        data=describe_data(observations),
        data_hash=data_hash(observations),
        parameters=dict(parameters),
        versions=library_versions(),
        overall=_records(backtest.overall()),
        by_horizon=_records(backtest.by_horizon()),
        chosen_models=dict(sorted(chosen_models.items())),
        chosen_summary=chosen_summary(backtest, chosen_models),
        warnings=list(warnings),
        score=dict(score or {}),
        interval_calibration=[]
        if interval_factors is None or interval_factors.empty
        else _records(interval_factors),
        combination_weights={
            indicator: dict(backtest.combination_weights[indicator])
            for indicator, name in sorted(chosen_models.items())
            if str(name).startswith("weighted:") and indicator in backtest.combination_weights
        },
    )
