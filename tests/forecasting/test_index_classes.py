"""Risk classes: fixed bounds, each bound belonging to the class above it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting.index import (
    CLASS_BOUNDS,
    CLASS_LABELS,
    HIGH_CLASS_THRESHOLD,
    RISK_CLASSES,
    class_label,
    class_of,
    classify,
    high_threshold,
)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "very_low"),
        (1.999, "very_low"),
        (2.0, "low"),
        (3.499, "low"),
        (3.5, "medium"),
        (4.999, "medium"),
        (5.0, "high"),
        (6.499, "high"),
        (6.5, "very_high"),
        (10.0, "very_high"),
    ],
)
def test_class_of_at_and_around_each_bound(score, expected):
    assert class_of(score) == expected


def test_classify_matches_class_of_elementwise():
    scores = np.array([0.0, 2.0, 3.49, 5.0, 6.5, 9.9])
    assert list(classify(scores)) == [class_of(score) for score in scores]


def test_high_threshold_is_the_lower_bound_of_high():
    assert HIGH_CLASS_THRESHOLD == 5.0 == CLASS_BOUNDS[2]
    assert class_of(HIGH_CLASS_THRESHOLD) == "high"
    assert high_threshold((1.0, 2.0, 3.0, 4.0)) == 3.0


def test_custom_bounds():
    assert class_of(3.0, bounds=(1.0, 2.0, 3.0, 4.0)) == "high"


@pytest.mark.parametrize(
    "bounds", [(2.0, 3.5, 5.0), (2.0, 2.0, 5.0, 6.5), (0.0, 3.5, 5.0, 6.5), (2, 3, 5, 11)]
)
def test_bad_bounds_are_refused(bounds):
    with pytest.raises(ValueError, match="bounds"):
        class_of(4.0, bounds)


def test_a_missing_score_is_not_classified():
    with pytest.raises(ValueError, match="finite"):
        class_of(math.nan)
    with pytest.raises(ValueError, match="finite"):
        classify([1.0, math.nan])


def test_labels_exist_in_three_languages():
    assert set(CLASS_LABELS) == set(RISK_CLASSES)
    assert class_label("high", "ru") == "Высокий"
    assert class_label("very_low", "kk") == "Өте төмен"
    with pytest.raises(ValueError, match="language"):
        class_label("high", "de")
    with pytest.raises(ValueError, match="unknown risk class"):
        class_label("severe")
