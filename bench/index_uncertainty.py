"""Time the risk index on the 20-region demo panel and print the rank uncertainty.

Run: ``.venv/bin/python bench/index_uncertainty.py [--draws 200] [--repeat 5]``.
Prints the median wall time of each step over the repeats, then the uncertainty table of the
latest month (the figures quoted in docs/methodology.md, section 10).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from forecasting.demo import generate_panel
from forecasting.index import RiskIndex, uncertainty_analysis

REFERENCE = {"reference_start": "2022-01", "reference_end": "2024-12"}


def timed(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    seconds, (observations, catalogue) = timed(generate_panel, args.repeat)
    print(f"generate_panel: {len(observations)} rows in {seconds * 1000:.0f} ms")
    index = RiskIndex(catalogue, **REFERENCE)
    seconds, _ = timed(lambda: index.fit(observations), args.repeat)
    print(f"fit: {seconds * 1000:.0f} ms")
    seconds, result = timed(lambda: index.score(observations), args.repeat)
    print(f"score every month: {len(result.to_frame())} scores in {seconds * 1000:.0f} ms")
    seconds, parts = timed(result.decomposition, args.repeat)
    worst = (
        (
            parts[parts["level"] == "indicator"].groupby(["region", "period"])["contribution"].sum()
            - result.to_frame()
            .assign(period=lambda f: f["period"].astype(str))
            .set_index(["region", "period"])["score"]
        )
        .abs()
        .max()
    )
    print(
        f"decomposition: {len(parts)} rows in {seconds * 1000:.0f} ms, max |sum - score| {worst:.1e}"
    )
    seconds, changes = timed(result.changes, args.repeat)
    print(f"changes (LMDI): {len(changes)} rows in {seconds * 1000:.0f} ms")
    seconds, uncertainty = timed(
        lambda: uncertainty_analysis(
            observations, catalogue, n_draws=args.draws, random_state=0, **REFERENCE
        ),
        args.repeat,
    )
    print(
        f"uncertainty_analysis ({args.draws} draws x 20 regions, incl. validation): "
        f"{seconds * 1000:.0f} ms"
    )
    frame = uncertainty.to_frame()
    widths = frame["rank_p95"] - frame["rank_p05"]
    print(
        f"rank interval width: median {widths.median():g}, max {widths.max():g} places; "
        f"nominal rank inside 5-95% interval for "
        f"{int(np.sum((frame['rank_p05'] <= frame['nominal_rank']) & (frame['nominal_rank'] <= frame['rank_p95'])))}"
        f"/{len(frame)} regions"
    )
    print()
    print(result.summary())
    print()
    print(uncertainty.summary())


if __name__ == "__main__":
    main()
