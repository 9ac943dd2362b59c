"""How close are the chosen models to the best forecast the demo panel allows?

The demo target (chosen MASE under 0.8 x seasonal naive's) is measured on one generated
panel. Whether it is within reach depends on that panel's luck as much as on the models: if
the national cycle happens to swing far inside the backtest window, every forecast that
expects it to settle is punished. This script measures the yardstick: for each seed it
trains as ``bench/forecasting_train.py`` does (default candidates, horizon 8, 3 origins)
and scores, on the same backtest points, the forecasts of an oracle that knows the
generator and every latent state at each cut-off (``forecasting.demo.oracle_forecasts``).
No model can see those states, so the oracle's ratio is about the least a forecast can
reach on that panel.

Run: ``python bench/forecasting_oracle.py [--seeds 2026 1 2 ...]``. Prints figures, asserts
nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from forecasting.card import chosen_summary
from forecasting.demo import generate_panel, oracle_forecasts
from forecasting.models import AutoForecaster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, *range(1, 10)])
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--origins", type=int, default=3)
    parser.add_argument("--step", type=int, default=None, help="months between origins")
    args = parser.parse_args()

    print("seed   chosen/seasonal naive   oracle/seasonal naive   chosen/oracle   seconds")
    chosen_ratios, oracle_ratios = [], []
    for seed in args.seeds:
        started = time.perf_counter()
        observations, _ = generate_panel(seed=seed)
        model = AutoForecaster(horizon=args.horizon, n_origins=args.origins, step=args.step).fit(
            observations
        )
        summary = chosen_summary(model.backtest_, model.chosen_models_)
        records = model.backtest_.records
        baseline = records[records["model"] == "seasonal_naive"]
        oracle = oracle_forecasts(baseline, seed=seed)
        oracle_mase = float(np.mean(np.abs(oracle - baseline["actual"]) / baseline["scale"]))
        chosen = summary["mase_chosen"] / summary["mase_seasonal_naive"]
        best = oracle_mase / summary["mase_seasonal_naive"]
        chosen_ratios.append(chosen)
        oracle_ratios.append(best)
        print(f"{seed:>4}   {chosen:21.3f}   {best:21.3f}   {chosen / best:13.3f}   "
              f"{time.perf_counter() - started:7.1f}")  # fmt: skip
    print(
        f"mean   {np.mean(chosen_ratios):21.3f}   {np.mean(oracle_ratios):21.3f}   "
        f"{np.mean(np.array(chosen_ratios) / np.array(oracle_ratios)):13.3f}"
    )
    print(
        f"seeds where the chosen models are under 0.8: "
        f"{sum(ratio < 0.8 for ratio in chosen_ratios)} of {len(chosen_ratios)}; "
        f"where even the oracle is: {sum(ratio < 0.8 for ratio in oracle_ratios)}"
    )


if __name__ == "__main__":
    main()
