"""Accuracy and speed on real public panels shipped with statsmodels (no download).

Panels: World Bank fertility rates (``statsmodels.datasets.fertility``: countries x years,
annual) and US macroeconomic series (``statsmodels.datasets.macrodata``: 12 quarterly
series, one "region").

Protocol: the last ``horizon`` periods of each indicator are held out. The auto model
chooses per indicator by its own rolling-origin backtest on the earlier data only (nested:
the held-out window never takes part in the choice), is refitted, and forecasts the
held-out window, beside statsmodels ETS (damped trend) and the naive baselines fitted on
the same data. Printed: MASE, sMAPE, interval coverage, seconds in total and per series.
The auto row's seconds are everything it does — the inner backtest of every candidate at
every origin, the choice, the refit and the forecast — divided by the number of series;
ETS's are its per-series fits. Both are timed again on the training part, taking turns,
and the median of ``--repeats`` runs is printed (single timings on a shared machine vary
by a factor of two or more). Targets: the chosen models' MASE below both seasonal
naive's and ETS's, in less time per series than ETS.
Run: ``python bench/forecasting_real_panel.py [--jobs 1] [--panel fertility|macro|all] [--repeats 3]``.

Figures of 29 November 2026 (``panel_ar`` in logarithms; load average 5-6, seconds rough):
fertility, chosen ``weighted:panel_ar+series_ets``, MASE 0.7452 (0.7857 before) vs ETS 0.8206
and seasonal naive 2.3992; median of 3 interleaved runs 0.060 s per series vs ETS 0.101 (CPU
0.022 vs 0.052): target met. Macrodata: 2.3286 vs ETS 2.2092 and seasonal naive 2.4505 (ETS
not beaten, as before).

That "met" came from the load: statsmodels' ETS runs its linear algebra on both cores and
loses most under load. On a quiet machine (29 November 2026 14:00 UTC, load average 1.1,
after the combination weights' LP was made sparse and solved by interior point), median of 5
interleaved runs: auto 1.23 s (0.0064 s per series) vs ETS 0.86 s (0.0045 s per series); CPU
1.65 vs 1.52 s. So the whole auto pipeline (inner backtest of six candidates at three
origins, combinations, choice, calibration, refit) takes 1.4 times one ETS fit per series:
the target is not met when read that way. The chosen model alone (``panel_ar`` and
``series_ets`` fit and forecast) takes 0.0007 s per series. Without combinations the auto
fit takes 0.86 s, without ``series_ets`` 0.90 s (median of 3; what either does to the MASE
was not measured).

After the profile-driven pass of the same afternoon (docs/forecasting.md, "The model
choice's time": the weights' LP solved as its dual, one split into series per backtest
origin, ``panel_ar``'s solves shared by regions observed alike, ``series_ets``' errors in
one pass), 15:36 UTC, load average 1.4, ``--repeats 7``: auto 0.77 s (0.0040 s per series)
vs ETS 0.86 s (0.0045); CPU 1.18 vs 1.53 s; MASE unchanged (0.7452): the target is met
read as the whole pipeline too.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from forecasting.backtest import rolling_origin_backtest
from forecasting.models import AutoForecaster, ExponentialSmoothingForecaster
from forecasting.models.auto import default_candidates
from forecasting.models.combination import combination_members


def fertility_panel() -> pd.DataFrame:
    data = sm.datasets.fertility.load_pandas().data
    years = [column for column in data.columns if column.isdigit()]
    # The last years are empty in this release; keep years most countries report, then
    # the countries complete over them.
    years = [year for year in years if data[year].notna().mean() >= 0.8]
    complete = data.dropna(subset=years)
    long = complete.melt(id_vars=["Country Code"], value_vars=years, var_name="year")
    return pd.DataFrame(
        {
            "region": long["Country Code"].astype(str),
            "period": [pd.Period(str(year), freq="Y") for year in long["year"]],
            "indicator": "fertility_rate",
            "value": long["value"].astype(float),
        }
    )


def macro_panel() -> pd.DataFrame:
    data = sm.datasets.macrodata.load_pandas().data
    periods = [
        pd.Period(f"{int(year)}Q{int(quarter)}", freq="Q")
        for year, quarter in zip(data["year"], data["quarter"], strict=True)
    ]
    indicators = [column for column in data.columns if column not in ("year", "quarter")]
    frames = [
        pd.DataFrame({"region": "US", "period": periods, "indicator": name, "value": data[name]})
        for name in indicators
    ]
    return pd.concat(frames, ignore_index=True)


def evaluate(
    name: str, panel: pd.DataFrame, horizon: int, origins: int, jobs: int, repeats: int = 3
) -> None:
    n_series = panel[["region", "indicator"]].drop_duplicates().shape[0]
    print(f"\n== {name}: {n_series} series, {len(panel)} values, horizon {horizon} ==")
    auto = AutoForecaster(
        candidates=default_candidates(horizon), horizon=horizon, n_origins=origins, n_jobs=jobs
    )
    started = time.perf_counter()
    result = rolling_origin_backtest(
        panel,
        {"auto (chosen)": auto, "ets": ExponentialSmoothingForecaster()},
        horizon=horizon,
        n_origins=1,
    )
    print(f"(total {time.perf_counter() - started:.1f} s)")
    table = result.overall()
    table["s_per_series"] = table["seconds"] / n_series
    columns = ["model", "mase", "smape", "coverage_80", "coverage_95", "seconds", "s_per_series"]
    print(table[columns].to_string(index=False, float_format=lambda value: f"{value:.4f}"))
    used = result.records[result.records["model"] == "auto (chosen)"]
    picked = used.drop_duplicates(["indicator", "region"])["model_used"].value_counts()
    print("models used by auto on the held-out window:", dict(picked))

    # Time of the chosen model alone (fit + forecast on the training part), per series.
    chosen = AutoForecaster(
        candidates=default_candidates(horizon), horizon=horizon, n_origins=origins, n_jobs=jobs
    )
    cut = result.origins.set_index("indicator")["cutoff"].to_dict()
    training = panel[
        [p <= cut[i] for p, i in zip(panel["period"], panel["indicator"], strict=True)]
    ]
    chosen.fit(training)
    for model_name, model in chosen.models_.items():
        started = time.perf_counter()
        # Indicators this model serves, alone or as a member of a combination ("a+b",
        # "weighted:a+b").
        indicators = [
            k for k, v in chosen.chosen_models_.items() if model_name in combination_members(v)
        ]
        subset = training[training["indicator"].isin(indicators)]
        type(model)(**model.get_params()).fit(subset).predict(horizon)
        seconds = time.perf_counter() - started
        series = subset[["region", "indicator"]].drop_duplicates().shape[0]
        print(
            f"chosen {model_name}: fit+forecast {seconds:.2f} s, {seconds / series:.4f} s per series"
        )
    # The same work timed again, auto (inner backtest, choice, refit, forecast) and ETS
    # (fit, forecast) taking turns, median of the repeats: a shared machine's load moves
    # single timings by a factor of two or more.
    spent: dict[str, list[float]] = {"auto": [], "ets": []}
    # CPU time as well: statsmodels' ETS runs its linear algebra on both cores, so its wall
    # time hides half of what it costs; the auto model runs on one.
    cpu: dict[str, list[float]] = {"auto": [], "ets": []}
    for _ in range(repeats):
        for label in ("auto", "ets"):
            model = (
                AutoForecaster(
                    candidates=default_candidates(horizon),
                    horizon=horizon,
                    n_origins=origins,
                    n_jobs=jobs,
                )
                if label == "auto"
                else ExponentialSmoothingForecaster()
            )
            started, cpu_started = time.perf_counter(), time.process_time()
            model.fit(training).predict(horizon)
            spent[label].append(time.perf_counter() - started)
            cpu[label].append(time.process_time() - cpu_started)
    auto_seconds, ets_seconds = (float(np.median(spent[label])) for label in ("auto", "ets"))
    print(
        f"median of {repeats} interleaved runs on the training part: auto {auto_seconds:.2f} s "
        f"({auto_seconds / n_series:.4f} s per series) vs ETS {ets_seconds:.2f} s "
        f"({ets_seconds / n_series:.4f} s per series); all runs auto "
        f"{[round(value, 2) for value in spent['auto']]}, ETS "
        f"{[round(value, 2) for value in spent['ets']]}"
    )
    auto_cpu, ets_cpu = (float(np.median(cpu[label])) for label in ("auto", "ets"))
    print(
        f"CPU time (median, all threads): auto {auto_cpu:.2f} s ({auto_cpu / n_series:.4f} s "
        f"per series) vs ETS {ets_cpu:.2f} s ({ets_cpu / n_series:.4f} s per series)"
    )
    mase = table.set_index("model")["mase"]
    print(
        f"chosen MASE {mase['auto (chosen)']:.4f} vs seasonal naive {mase['seasonal_naive']:.4f} "
        f"and ETS {mase['ets']:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # One process: the default candidates are cheap, and starting worker processes (and
    # sending them the panel at every origin) cost more than they saved (demo panel: 25 s
    # with 1 job, 32 s with 2). Use --jobs 2 with slow candidates such as ets.
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--origins", type=int, default=3)
    parser.add_argument("--panel", choices=("all", "fertility", "macro"), default="all")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (median)")
    args = parser.parse_args()
    if args.panel in ("all", "fertility"):
        evaluate(
            "World Bank fertility rates (annual)",
            fertility_panel(),
            5,
            args.origins,
            args.jobs,
            args.repeats,
        )
    if args.panel in ("all", "macro"):
        evaluate(
            "US macrodata (quarterly)", macro_panel(), 8, args.origins, args.jobs, args.repeats
        )


if __name__ == "__main__":
    main()
