"""Model rows to the JSON the API publishes, field by field: nothing leaves by accident.

Each function lists exactly the public fields (the OpenAPI document describes the same ones);
new model columns stay private until added here and there.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from flask import url_for

from forecasting.index.classes import CLASS_LABELS, RISK_CLASSES
from webapp.regions.models import Region
from webapp.risk.models import RiskDomain, RiskForecast, RiskIndicator, RiskModelRun, RiskScore
from webapp.surveys.models import Survey


def number(value: Any) -> float | None:
    """A finite float or None: JSON has no NaN or infinity."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def timestamp(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def names(item: Any) -> dict[str, str]:
    return {language: getattr(item, f"name_{language}") or "" for language in ("kk", "ru", "en")}


def region_json(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "kind": region.kind,
        "names": names(region),
        "aliases": list(region.aliases or []),
        "valid_from": day(region.valid_from),
        "valid_to": day(region.valid_to),
        "predecessors": list(region.predecessors or []),
        "is_current": region.is_current,
    }


def domain_json(domain: RiskDomain) -> dict[str, Any]:
    return {"code": domain.code, "names": names(domain), "weight": number(domain.weight)}


def indicator_json(indicator: RiskIndicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "names": names(indicator),
        "unit": indicator.unit,
        "direction": indicator.direction,
        "domain": indicator.domain_code,
        "weight": number(indicator.weight),
        "frequency": indicator.frequency,
        "source": indicator.source,
    }


def run_json(
    run: RiskModelRun,
    periods: list[str],
    bounds: tuple[float, ...],
    freshness: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "created_at": timestamp(run.created_at),
        "latest_period": run.latest_period,
        "periods": periods,
        "is_synthetic": bool(run.is_synthetic),
        "classes": [
            {
                "code": code,
                "names": dict(CLASS_LABELS[code]),
                "lower_bound": None if position == 0 else bounds[position - 1],
                "upper_bound": None if position == len(RISK_CLASSES) - 1 else bounds[position],
            }
            for position, code in enumerate(RISK_CLASSES)
        ],
        "data_freshness": freshness,
    }


def score_json(score: RiskScore) -> dict[str, Any]:
    return {
        "region": score.region_code,
        "period": score.period,
        "score": number(score.score),
        "risk_class": score.risk_class or None,
        "reliability": number(score.reliability),
        "n_missing": score.n_missing,
        "n_stale": score.n_stale,
        "domain_scores": {
            str(code): number(value) for code, value in (score.domain_scores or {}).items()
        },
    }


def forecast_json(forecast: RiskForecast) -> dict[str, Any]:
    return {
        "region": forecast.region_code,
        "target": forecast.target,
        "period": forecast.period,
        "horizon": forecast.horizon,
        "mean": number(forecast.mean),
        "lower_80": number(forecast.lower_80),
        "upper_80": number(forecast.upper_80),
        "lower_95": number(forecast.lower_95),
        "upper_95": number(forecast.upper_95),
        "probability_high": number(forecast.probability_high),
    }


def survey_json(survey: Survey) -> dict[str, Any]:
    # The stored definition as plain data: listing needs only its title and languages.
    stored = survey.current_version.definition if survey.current_version else {}
    title = stored.get("title") or {}
    default = title.get(stored.get("default_language", "")) or survey.slug
    return {
        "id": survey.id,
        "slug": survey.slug,
        "state": survey.state,
        "titles": {language: title.get(language) or default for language in ("kk", "ru", "en")},
        "languages": [
            language for language in stored.get("languages", []) if language in ("kk", "ru", "en")
        ],
        "opens_at": timestamp(survey.opens_at),
        "closes_at": timestamp(survey.closes_at),
        "results": url_for("api.survey_results", survey_id=survey.id),
    }


#: Fields of the survey module's protected summary that the API publishes. Anything else it
#: may add later (such as internal counters) stays private until listed here.
SUMMARY_FIELDS = (
    "survey",
    "filters",
    "threshold",
    "responses",
    "unreleased_blocks",
    "months",
    "by_region",
    "by_month",
    "by_language",
    "questions",
)
#: ``asked`` / ``not_asked`` (respondents whose survey version held the question, and the
#: rest of ``total``) and a row's ``offered`` (respondents of the versions that offered a
#: choice only some versions had) are the protected counts of the public results pages:
#: sums of whole released versions (each at least k) and perhaps the whole lump of the
#: hidden ones, so 0 or at least k, and so is every difference between them
#: (docs/small-cell-suppression.md, rules 7 and 8).
QUESTION_FIELDS = (
    "name",
    "type",
    "kind",
    "label",
    "total",
    "asked",
    "not_asked",
    "rows",
    "withheld",
    "answered",
    "summary",
)
ROW_FIELDS = ("value", "label", "count", "suppressed", "partial", "share", "offered", "withheld")


def survey_results_json(summary: dict[str, Any]) -> dict[str, Any]:
    """The protected summary, restricted to the published fields; refuses an analysts' one."""
    if not summary.get("protected", False):
        raise ValueError("the open-data API only publishes protected (suppressed) figures")
    data = {name: summary[name] for name in SUMMARY_FIELDS if name in summary}
    data["questions"] = [
        {
            **{name: question[name] for name in QUESTION_FIELDS if name in question},
            **(
                {"rows": [_only(row, ROW_FIELDS) for row in question["rows"]]}
                if "rows" in question
                else {}
            ),
        }
        for question in summary.get("questions", [])
    ]
    return data


def _only(row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[name] for name in fields if name in row}
