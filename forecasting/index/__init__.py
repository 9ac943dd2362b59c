"""The regional social-risk index: catalogue, scoring, decomposition and uncertainty.

See ``docs/methodology.md`` for the method and its sources (INFORM, OECD/JRC handbook).

Names are loaded on first use (PEP 562): the class bounds and the catalogue are light, while
scoring and the uncertainty analysis pull in scikit-learn and SciPy (about 80 MB), which a web
worker that only shows stored scores should not have to carry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forecasting.index.catalogue import (
        SURVEY_INDICATORS,
        default_catalogue,
        default_catalogue_path,
        default_domains,
    )
    from forecasting.index.classes import (
        CLASS_BOUNDS,
        CLASS_LABELS,
        HIGH_CLASS_THRESHOLD,
        RISK_CLASSES,
        class_label,
        class_of,
        classify,
        high_threshold,
    )
    from forecasting.index.scoring import (
        AGGREGATIONS,
        DEFAULT_STALENESS_MONTHS,
        NORMALISATIONS,
        RiskIndex,
        RiskIndexError,
        ScoreResult,
        aggregate,
        normalise,
    )
    from forecasting.index.uncertainty import UncertaintyResult, uncertainty_analysis

_HOMES = {
    "catalogue": (
        "SURVEY_INDICATORS",
        "default_catalogue",
        "default_catalogue_path",
        "default_domains",
    ),
    "classes": (
        "CLASS_BOUNDS",
        "CLASS_LABELS",
        "HIGH_CLASS_THRESHOLD",
        "RISK_CLASSES",
        "class_label",
        "class_of",
        "classify",
        "high_threshold",
    ),
    "scoring": (
        "AGGREGATIONS",
        "DEFAULT_STALENESS_MONTHS",
        "NORMALISATIONS",
        "RiskIndex",
        "RiskIndexError",
        "ScoreResult",
        "aggregate",
        "normalise",
    ),
    "uncertainty": ("UncertaintyResult", "uncertainty_analysis"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "AGGREGATIONS",
    "CLASS_BOUNDS",
    "CLASS_LABELS",
    "DEFAULT_STALENESS_MONTHS",
    "HIGH_CLASS_THRESHOLD",
    "NORMALISATIONS",
    "RISK_CLASSES",
    "SURVEY_INDICATORS",
    "RiskIndex",
    "RiskIndexError",
    "ScoreResult",
    "UncertaintyResult",
    "aggregate",
    "class_label",
    "class_of",
    "classify",
    "default_catalogue",
    "default_catalogue_path",
    "default_domains",
    "high_threshold",
    "normalise",
    "uncertainty_analysis",
]
