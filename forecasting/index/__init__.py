"""The regional social-risk index: catalogue, scoring, decomposition and uncertainty.

See ``docs/methodology.md`` for the method and its sources (INFORM, OECD/JRC handbook).
"""

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
