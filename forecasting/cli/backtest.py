"""``python -m forecasting backtest``: how accurate would each model have been on this data?

Works on any tidy CSV that follows the data contract, including indicators the catalogue
does not know and series keys that are not regions (labels are kept as opaque keys). Prints
each model's accuracy beside the baselines and the model chosen per indicator; ``--json``
writes the same as JSON. Shared helpers for the other model commands live here too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.backtest import (
    MIN_TRAIN,
    BacktestResult,
    add_combinations,
    choose_per_indicator,
    rolling_origin_backtest,
    testable_steps,
    with_baselines,
)
from forecasting.cli import CommandError
from forecasting.cli.reading import add_reader_arguments, reader_options, resolver_of
from forecasting.contract import ContractError, valid_range
from forecasting.models.auto import (
    COMBINATION_SIZES,
    COMBINATION_WEIGHTING,
    DEFAULT_MODELS,
    default_candidates,
)
from forecasting.models.base import summarise_warning
from forecasting.readers import read_observations


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_data_arguments(parser: argparse.ArgumentParser, origins: bool = True) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="FILE",
        help="observations (CSV, XLSX or XLS; any layout validate reads)",
    )
    add_reader_arguments(parser)
    parser.add_argument(
        "--horizon", type=positive_int, default=8, metavar="H", help="periods ahead (default 8)"
    )
    if origins:
        parser.add_argument(
            "--origins",
            type=positive_int,
            default=3,
            metavar="N",
            help="rolling origins per indicator (default 3)",
        )
    parser.add_argument(
        "--seed", type=int, default=0, help="random state of the models (default 0)"
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="processes for the backtest fits (default 1)",
    )
    parser.add_argument(
        "--models",
        metavar="NAMES",
        help="comma-separated candidates (default: all of "
        + ", ".join(DEFAULT_MODELS)
        + "); the naive baselines are always added",
    )


def candidates_from_args(args: argparse.Namespace) -> dict[str, object]:
    names = None
    if args.models:
        names = [name.strip() for name in args.models.split(",") if name.strip()]
    try:
        return default_candidates(args.horizon, args.seed, names)
    except ValueError as error:
        raise CommandError(f"--models: {error}") from None


def add_keep_labels_argument(parser: argparse.ArgumentParser) -> None:
    """``--keep-region-labels``: a panel of countries or firms that names one region (the
    World Bank's "Kazakhstan" beside 200 other countries) is otherwise refused as a mix."""
    parser.add_argument(
        "--keep-region-labels",
        action="store_true",
        help="keep region labels as opaque series keys even where some are units of the "
        "region list (default: matched when they are regions, kept as keys when none is)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    add_keep_labels_argument(parser)
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write results as JSON")


def load_observations(
    path: Path, keep_keys: bool | None = None, options: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Read a statistics file into the contract's frame, or stop with a message naming the problem.

    ``options`` are the reader's (``reader_options``: layout, indicator, column names...).
    ``keep_keys=True`` keeps series keys as they are, so any panel can be forecast;
    ``False`` resolves them to the region list; ``None`` (backtest, forecast) resolves them
    when they are regions and keeps them when none is: a file mixing region names and other
    labels is refused with the unknown names listed. Reader warnings go to stderr; errors
    stop the command.
    """
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise CommandError(f"{path} is empty: expected a header row and data rows")
    options = options or {}
    try:
        if keep_keys is None:
            result = _read_regions_or_keys(path, options)
        else:
            result = read_observations(path, resolve_regions=not keep_keys, **options)
    except ContractError as error:
        raise CommandError(str(error)) from None
    if not result.ok or result.observations is None:
        hint = ""
        if keep_keys is None and any(
            issue.code == "regions.not_recognised" for issue in result.report.errors
        ):
            # Some labels are regions (or the national total), others not: a panel of
            # countries naming Kazakhstan, firms beside a city. The reader's own hint is for
            # files where no label is a region.
            hint = (
                "\nIf the labels are series keys rather than regions (countries, firms, "
                "shops...), give --keep-region-labels to keep every label as it is."
            )
        raise CommandError(f"{path} cannot be used:\n{result.report.to_text()}{hint}")
    for issue in result.report.warnings[:20]:
        print(f"warning: {issue}", file=sys.stderr)
    if len(result.report.warnings) > 20:
        print(f"warning: ... and {len(result.report.warnings) - 20} more", file=sys.stderr)
    observations = result.observations
    totals = result.national_totals
    if totals is not None and not totals.empty:
        print(
            f"note: {len(totals)} national-total value(s) kept apart, not forecast",
            file=sys.stderr,
        )
    if observations.empty:
        raise CommandError(f"{path} holds no values to forecast")
    return observations


def _layout_refused(report: Any) -> bool:
    return any(str(issue.code or "").startswith("layout.") for issue in report.errors)


def _read_regions_or_keys(path: Path, options: dict[str, Any]) -> Any:
    """Regions when the labels are regions, opaque keys when none is (see load_observations)."""
    as_keys = read_observations(path, resolve_regions=False, **options)
    if as_keys.ok and as_keys.observations is not None:
        resolver = resolver_of(options)
        labels = as_keys.observations["region"].unique()
        if not any(
            resolver.resolve(label) is not None or resolver.is_national_total(label)
            for label in labels
        ):
            return as_keys
    # Region names somewhere, or a layout only region names reveal (stat.gov.kz tables).
    as_regions = read_observations(path, resolve_regions=True, **options)
    if not as_regions.ok and any(
        issue.code == "regions.not_recognised_none_known" for issue in as_regions.report.errors
    ):
        # No label is a region: the file's own problems (a duplicated row of a firm panel)
        # are those of the keys' reading, not a list of "unknown regions".
        return as_keys
    if (
        not as_regions.ok
        and _layout_refused(as_regions.report)
        and not _layout_refused(as_keys.report)
    ):
        # The keys' reading found the table's layout (a key column of its own) and the
        # region reading did not: the keys' problems (periods of two frequencies, say) are
        # the file's, "cannot tell how the table is laid out" is not.
        return as_keys
    if not as_regions.ok and any(
        issue.code == "regions.none_national" for issue in as_regions.report.warnings
    ):
        # No region column at all: the keys' reading (one series, which is what backtest
        # and forecast make of such a table) has the same problems without the region
        # reading's "national totals kept apart".
        return as_keys
    return as_regions


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Any]:
    """A tqdm bar on stderr (hidden when stderr is not a terminal) fed by (fraction, message)."""
    from tqdm import tqdm

    with tqdm(total=1000, desc=description, file=sys.stderr, disable=None, leave=False) as bar:

        def update(fraction: float, message: str = "") -> None:
            target = round(1000 * min(max(fraction, 0.0), 1.0))
            if target > bar.n:
                bar.update(target - bar.n)
            if message:
                bar.set_postfix_str(message[:40], refresh=False)

        yield update


def write_json(path: Path, payload: dict[str, Any]) -> None:
    try:
        path.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default) + "\n",
            encoding="utf-8",
        )
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, pd.Period):
        return str(value)
    return str(value)


#: Decimal places written to the JSON and CSV outputs, at least ...
DECIMALS = 6
#: ... and at least this many significant digits, so a series in units of 1e-9 is not
#: written as 0.0 (its forecasts and its RMSE were).
SIGNIFICANT = 6


def readable_round(value: float) -> float:
    """``value`` to ``DECIMALS`` places, or to ``SIGNIFICANT`` digits when it is smaller.

    Six places alone keep a population of 1,234,567.891 exact but turn 3.2e-07 into 0.0;
    significant digits alone would write 1.23457e+06.
    """
    if not math.isfinite(value) or value == 0:
        return value
    magnitude = math.floor(math.log10(abs(value)))
    return round(value, max(DECIMALS, SIGNIFICANT - 1 - magnitude))


def round_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every numeric column rounded by ``readable_round``."""
    frame = frame.copy()
    for column in frame.select_dtypes("number").columns:
        frame[column] = [readable_round(float(value)) for value in frame[column]]
    return frame


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else readable_round(float(value))


def packaged_units() -> dict[str, str]:
    """Indicator code -> unit of the packaged catalogue (backtest and forecast take none)."""
    from forecasting.index import default_catalogue

    catalogue = default_catalogue()
    return dict(zip(catalogue["code"], catalogue["unit"], strict=True))


def warn_outside_range(observations: pd.DataFrame) -> None:
    """Say on stderr where an indicator of the packaged catalogue has values its unit does
    not allow (a negative share in %): backtest and forecast take no catalogue, so they
    would use them silently, where ``score`` and ``train`` leave them out and say so."""
    units = packaged_units()
    for indicator, rows in observations.groupby("indicator", sort=True):
        bounds = valid_range(units.get(str(indicator), ""))
        if bounds is None:
            continue
        low, high = bounds
        outside = rows[(rows["value"] < low) | (rows["value"] > high)]
        if outside.empty:
            continue
        examples = ", ".join(
            f"{row.region} {row.period}: {row.value:g}" for row in outside.head(3).itertuples()
        )
        more = f" and {len(outside) - 3} more" if len(outside) > 3 else ""
        print(
            f"warning: indicator {indicator} (unit {units[str(indicator)]!r} in the packaged "
            f"catalogue): {len(outside)} value(s) outside [{low:g}, {high:g}] ({examples}"
            f"{more}); they are used as they are: correct them if they are errors",
            file=sys.stderr,
        )


def backtest_payload(
    result: BacktestResult,
    observations: pd.DataFrame,
    path: Path,
    n_origins: int,
    order: list[str] | None = None,
) -> dict[str, Any]:
    """The JSON of ``backtest``. ``order`` (candidate names, baselines first) breaks ties.

    The choice per indicator is the one ``forecast`` makes: single models and the
    equal-weight combinations of each indicator's two and three best ones, and the one with
    weights estimated from the backtest (``weighted:a+b+c``).
    """
    overall = result.overall()
    combined = add_combinations(result, COMBINATION_SIZES, COMBINATION_WEIGHTING)
    chosen = choose_per_indicator(combined, order or [])
    by_indicator = combined.by_indicator()
    metric_names = ("mase", "smape", "rmse", "coverage_80", "coverage_95", "pinball")
    models = [
        {
            "name": row["model"],
            **{name: _number(row.get(name)) for name in metric_names},
            "seconds": _number(row.get("seconds")),
            "n": int(row["n"]),
        }
        for _, row in overall.iterrows()
    ]
    per_indicator = {}
    for indicator, rows in by_indicator.groupby("indicator"):
        per_indicator[str(indicator)] = {
            "chosen": chosen.get(str(indicator)),
            "models": [
                {"name": row["model"], **{name: _number(row[name]) for name in metric_names}}
                for _, row in rows.iterrows()
            ],
        }
    not_chosen = {
        str(indicator): _why_not_chosen(result, str(indicator))
        for indicator in sorted(observations["indicator"].unique())
        if str(indicator) not in chosen
    }
    records = combined.records
    picked = (
        records[
            [
                chosen.get(indicator) == model
                for model, indicator in zip(records["model"], records["indicator"], strict=True)
            ]
        ]
        if not records.empty
        else records
    )
    best_overall = (
        overall.dropna(subset=["mase"]).sort_values("mase").iloc[0]["model"]
        if overall["mase"].notna().any()
        else None
    )
    return {
        "data": {
            "file": str(path),
            "rows": len(observations),
            "series": int(observations[["region", "indicator"]].drop_duplicates().shape[0]),
            "indicators": sorted(observations["indicator"].unique().tolist()),
        },
        "horizon": result.horizon,
        "n_origins": n_origins,
        "models": models,
        "chosen": {"overall": best_overall, "per_indicator": chosen, "not_chosen": not_chosen},
        "chosen_per_indicator_mase": _number(picked["scaled_error"].mean())
        if not picked.empty
        else None,
        "per_indicator": per_indicator,
        "warnings": result.warnings,
    }


def _why_not_chosen(result: BacktestResult, indicator: str) -> str:
    """Why no model could be chosen by accuracy for an indicator, and what forecast does."""
    evaluated = not result.records.empty and (result.records["indicator"] == indicator).any()
    why = (
        "MASE undefined: every series is constant (or too short) before the first origin"
        if evaluated
        else "history too short to backtest"
    )
    return f"{why}; forecast uses naive"


def _check_horizon_testable(observations: pd.DataFrame, horizon: int) -> None:
    """Refuse a horizon that no indicator's history can test: a backtest of 30 steps on 17
    annual values measured 14 steps and reported them as the 30-step accuracy. An indicator
    too short where another is long enough keeps the documented fallback (short_history)."""
    spans = testable_steps(observations)
    if not spans:
        return
    indicator, (length, steps) = max(spans.items(), key=lambda item: item[1][1])
    if steps == 0 or steps >= horizon:
        return  # too short for any backtest: its own message; or some indicator fits
    raise CommandError(
        f"--horizon {horizon} cannot be backtested on this history: the longest, {indicator} "
        f"({length} periods), holds a test of at most {steps} step(s) after {MIN_TRAIN} "
        f"training periods; give --horizon {steps} or less (forecast and train accept a "
        "longer horizon, with a beyond_history warning that the later steps rest on no "
        "backtest)"
    )


def run(args: argparse.Namespace) -> int:
    observations = load_observations(
        args.data, keep_keys=True if args.keep_region_labels else None,
        options=reader_options(args),
    )  # fmt: skip
    warn_outside_range(observations)
    candidates = candidates_from_args(args)
    _check_horizon_testable(observations, args.horizon)
    started = time.perf_counter()
    with progress_bar("backtest") as update:
        result = rolling_origin_backtest(
            observations, candidates, horizon=args.horizon, n_origins=args.origins,
            progress=update, n_jobs=args.jobs,
        )  # fmt: skip
    if result.records.empty:
        reasons = "; ".join(summarise_warning(item) for item in result.warnings[:5])
        raise CommandError(
            f"nothing could be backtested on {args.data}: the history is too short for any "
            f"origin ({reasons or 'no series'})"
        )
    order = list(with_baselines(candidates))
    payload = backtest_payload(result, observations, args.data, args.origins, order)
    payload["seconds"] = round(time.perf_counter() - started, 3)
    print(result.summary())
    print()
    print(
        "Chosen per indicator (lowest MASE; a+b = their equal-weight combination, "
        "weighted:a+b = with weights estimated from the backtest):"
    )
    for indicator, model in payload["chosen"]["per_indicator"].items():
        print(f"  {indicator}: {model}")
    for indicator, reason in payload["chosen"]["not_chosen"].items():
        print(f"  {indicator}: none ({reason})")
    if args.json is not None:
        write_json(args.json, payload)
    return 0
