"""Accuracy measures checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecasting import metrics


def test_naive_scale_by_hand() -> None:
    # |3-1| + |2-3| + |6-2| = 2 + 1 + 4 = 7 over 3 differences
    assert metrics.naive_scale([1, 3, 2, 6]) == pytest.approx(7 / 3)
    # seasonal lag 2: |2-1| + |6-3| = 4 over 2
    assert metrics.naive_scale([1, 3, 2, 6], lag=2) == pytest.approx(2.0)
    assert math.isnan(metrics.naive_scale([5.0], lag=1))
    assert metrics.naive_scale([4, 4, 4]) == 0.0


def test_mase_by_hand() -> None:
    training = [1, 3, 2, 6]  # scale 7/3
    # errors |7-6| = 1 and |5-8| = 3: mean 2, scaled 2 / (7/3) = 6/7
    assert metrics.mase([7, 5], [6, 8], metrics.naive_scale(training)) == pytest.approx(6 / 7)
    with pytest.raises(ValueError, match="positive"):
        metrics.mase([1], [1], 0.0)


def test_smape_by_hand() -> None:
    # 200*|100-110|/(100+110) = 9.5238..., 200*|0-0|/0 := 0
    assert metrics.smape([100, 0], [110, 0]) == pytest.approx((2000 / 210 + 0) / 2)
    assert metrics.smape([1], [-1]) == pytest.approx(200.0)


def test_rmse_and_coverage_by_hand() -> None:
    assert metrics.rmse([1, 2, 3], [1, 4, 3]) == pytest.approx(math.sqrt(4 / 3))
    assert metrics.coverage([1, 5, 10], [0, 6, 9], [2, 7, 10]) == pytest.approx(2 / 3)


def test_pinball_loss_by_hand() -> None:
    # q = 0.9, forecast 10: actual 12 -> 0.9*2 = 1.8; actual 7 -> 0.1*3 = 0.3
    assert metrics.pinball_loss([12, 7], [10, 10], 0.9) == pytest.approx((1.8 + 0.3) / 2)
    # q = 0.1 penalises the same misses the other way round: 0.1*2 and 0.9*3
    assert metrics.pinball_loss([12, 7], [10, 10], 0.1) == pytest.approx((0.2 + 2.7) / 2)
    with pytest.raises(ValueError):
        metrics.pinball_loss([1], [1], 1.0)


def test_brier_by_hand() -> None:
    # (0.8-1)^2 + (0.3-0)^2 + (0.5-1)^2 = 0.04 + 0.09 + 0.25 = 0.38 over 3
    assert metrics.brier_score([0.8, 0.3, 0.5], [1, 0, 1]) == pytest.approx(0.38 / 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.brier_score([1.2], [1])


def test_shapes_must_agree() -> None:
    with pytest.raises(ValueError, match="shape"):
        metrics.rmse(np.ones(3), np.ones(2))
