"""Risk classes: five named bands of the 0-10 score with fixed bounds.

The bounds are fixed (INFORM uses the same five bands) rather than re-derived from each
year's distribution, so that "high" means the same score in 2022 and in 2026 and a region
can move between classes only because its score moved. The forecasting side uses
``HIGH_CLASS_THRESHOLD`` to turn a predictive distribution of the score into the
probability that a region will be in the "high" class or above.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

#: Stable class codes, lowest risk first.
RISK_CLASSES: tuple[str, ...] = ("very_low", "low", "medium", "high", "very_high")

#: Default lower bounds of the classes above ``very_low``: a score of exactly 2.0 is "low".
CLASS_BOUNDS: tuple[float, float, float, float] = (2.0, 3.5, 5.0, 6.5)

#: Score at and above which a region is in the "high" class or above (default bounds).
HIGH_CLASS_THRESHOLD: float = CLASS_BOUNDS[RISK_CLASSES.index("high") - 1]

#: Class names for people, in Kazakh, Russian and English.
CLASS_LABELS: dict[str, dict[str, str]] = {
    "very_low": {"kk": "Өте төмен", "ru": "Очень низкий", "en": "Very low"},
    "low": {"kk": "Төмен", "ru": "Низкий", "en": "Low"},
    "medium": {"kk": "Орташа", "ru": "Средний", "en": "Medium"},
    "high": {"kk": "Жоғары", "ru": "Высокий", "en": "High"},
    "very_high": {"kk": "Өте жоғары", "ru": "Очень высокий", "en": "Very high"},
}


def check_bounds(bounds: Sequence[float]) -> tuple[float, ...]:
    """Return ``bounds`` as floats if they are four increasing numbers inside (0, 10)."""
    try:
        values = tuple(float(bound) for bound in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"class bounds must be four numbers, got {bounds!r}") from None
    if len(values) != len(RISK_CLASSES) - 1:
        raise ValueError(
            f"class bounds must be {len(RISK_CLASSES) - 1} numbers (one per class boundary), "
            f"got {len(values)}"
        )
    if not all(math.isfinite(value) and 0.0 < value < 10.0 for value in values):
        raise ValueError(f"class bounds must lie strictly between 0 and 10, got {values}")
    if any(low >= high for low, high in pairwise(values)):
        raise ValueError(f"class bounds must increase strictly, got {values}")
    return values


def high_threshold(bounds: Sequence[float] = CLASS_BOUNDS) -> float:
    """The lower bound of the "high" class for the given bounds."""
    return check_bounds(bounds)[RISK_CLASSES.index("high") - 1]


def class_of(score: float, bounds: Sequence[float] = CLASS_BOUNDS) -> str:
    """The class code of one score; each bound belongs to the class above it."""
    checked = check_bounds(bounds)
    value = float(score)
    if not math.isfinite(value):
        raise ValueError(f"cannot classify a score that is not a finite number: {score!r}")
    return RISK_CLASSES[bisect_right(checked, value)]


def classify(scores: Sequence[float] | np.ndarray, bounds: Sequence[float] = CLASS_BOUNDS):
    """Class codes for an array of scores (vectorised ``class_of``)."""
    checked = np.asarray(check_bounds(bounds))
    values = np.asarray(scores, dtype=float)
    if not np.isfinite(values).all():
        raise ValueError("cannot classify scores that are missing or not finite")
    return np.asarray(RISK_CLASSES, dtype=object)[np.searchsorted(checked, values, side="right")]


def class_label(code: str, language: str = "en") -> str:
    """The name of a class in ``kk``, ``ru`` or ``en``."""
    if code not in CLASS_LABELS:
        raise ValueError(f"unknown risk class {code!r}; known: {', '.join(RISK_CLASSES)}")
    labels = CLASS_LABELS[code]
    if language not in labels:
        raise ValueError(f"language must be one of {', '.join(labels)}, got {language!r}")
    return labels[language]
