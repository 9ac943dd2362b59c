"""Forecast combinations on the demo panel: in-sample and honest, with and without weights.

For each seed the default candidates are backtested once (horizon 8, 3 origins, as
``bench/forecasting_train.py``); from those records, per weighting of the estimated-weight
combination (none: the equal-weight ones only, as before it existed; ``inverse_mase``;
``optimal``, the default):

* in-sample: the choice ``AutoForecaster`` makes, scored on the backtest points it was made
  on (the figure of ``bench/forecasting_train.py``: chosen MASE over seasonal naive's);
* honest: the choice (and the combinations' members and weights) made on the two older
  origins only, scored on the newest origin, which none of it saw.

Run: ``python bench/forecasting_combinations.py [--seeds 2026 1 2 ...]``. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from forecasting.backtest import BacktestResult, add_combinations, choose_per_indicator
from forecasting.demo import generate_panel
from forecasting.models import AutoForecaster
from forecasting.models.auto import COMBINATION_SIZES
from forecasting.models.combination import combination_members, combine_frames

WEIGHTINGS = (None, "inverse_mase", "optimal")


def chosen_ratio(records: pd.DataFrame, chosen: dict[str, str]) -> float:
    picked = records[[chosen.get(i) == m for m, i in zip(records["model"], records["indicator"], strict=True)]]  # fmt: skip
    baseline = records[records["model"] == "seasonal_naive"]
    baseline = baseline[baseline["indicator"].isin(chosen)]
    return float(picked["scaled_error"].mean() / baseline["scaled_error"].mean())


def honest_ratio(singles: BacktestResult, weighting: str | None, order: list[str]) -> float:
    records = singles.records
    older = BacktestResult(
        records=records[records["origin"] >= 1], origins=singles.origins,
        timings=singles.timings, horizon=singles.horizon,
    )  # fmt: skip
    combined = add_combinations(older, COMBINATION_SIZES, weighting)
    chosen = choose_per_indicator(combined, order)
    newest = records[records["origin"] == 0]
    errors, baseline = [], []
    for indicator, name in chosen.items():
        here = newest[newest["indicator"] == indicator]
        members = combination_members(name)
        weights = (
            combined.combination_weights.get(indicator) if name.startswith("weighted:") else None
        )
        shares = [weights[m] for m in members] if weights else [1 / len(members)] * len(members)
        frames = [here[here["model"] == m].assign(key=lambda f: f["period"].astype(str)) for m in members]  # fmt: skip
        forecast = combine_frames(frames, shares, name, ("region", "key"))
        errors.append(np.abs(forecast["actual"] - forecast["mean"]) / forecast["scale"])
        naive = here[here["model"] == "seasonal_naive"]
        baseline.append(naive["scaled_error"])
    return float(pd.concat(errors).mean() / pd.concat(baseline).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, *range(1, 10)])
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        started = time.perf_counter()
        observations, _ = generate_panel(seed=seed)
        model = AutoForecaster(horizon=8, n_origins=3, combine=False).fit(observations)
        singles = model.backtest_
        order = list(model.candidates_)
        row = {"seed": seed}
        for weighting in WEIGHTINGS:
            label = weighting or "equal only"
            combined = add_combinations(singles, COMBINATION_SIZES, weighting)
            chosen = choose_per_indicator(combined, order)
            row[f"{label} in-sample"] = chosen_ratio(combined.records, chosen)
            row[f"{label} honest"] = honest_ratio(singles, weighting, order)
            if weighting == "optimal":
                row["weighted chosen"] = sum(n.startswith("weighted:") for n in chosen.values())
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
        print(
            pd.DataFrame([row]).to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            flush=True,
        )
    table = pd.DataFrame(rows)
    print("\nratio of the chosen models' MASE to seasonal naive's (lower is better)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("mean " + ", ".join(f"{c}: {table[c].mean():.4f}" for c in table.columns if c != "seed"))


if __name__ == "__main__":
    main()
