"""``python -m forecasting forecast``: forecast every series of a tidy CSV.

For each indicator the model is chosen by its own rolling-origin backtest on the data given
(lowest MASE, baselines included), refitted on all the data, and asked for ``--horizon``
periods. One output row per series and future period.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forecasting.backtest import ended_early, horizon_notes
from forecasting.cli import CommandError
from forecasting.cli.backtest import (
    add_data_arguments,
    add_keep_labels_argument,
    candidates_from_args,
    load_observations,
    packaged_units,
    progress_bar,
    round_columns,
    warn_outside_range,
    write_json,
)
from forecasting.cli.reading import reader_options, resolver_of
from forecasting.contract import within_valid_ranges
from forecasting.geography import without_ended_units
from forecasting.models import FORECAST_COLUMNS, AutoForecaster
from forecasting.models.base import warning_lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    add_keep_labels_argument(parser)
    parser.add_argument(
        "--out", type=Path, required=True, metavar="OUT.csv", help="where to write forecasts"
    )
    parser.add_argument(
        "--json", type=Path, metavar="OUT.json", help="also write chosen models and warnings"
    )


def run(args: argparse.Namespace) -> int:
    # Before minutes of fitting, not after: a mistyped output folder stops at once.
    for target in (args.out, args.json):
        if target is not None and not target.resolve().parent.is_dir():
            raise CommandError(f"cannot write {target}: no such directory {target.parent}")
    options = reader_options(args)
    observations = load_observations(
        args.data, keep_keys=True if args.keep_region_labels else None, options=options
    )
    warn_outside_range(observations)
    model = AutoForecaster(
        candidates=candidates_from_args(args),
        horizon=args.horizon,
        n_origins=args.origins,
        random_state=args.seed,
        n_jobs=args.jobs,
    )
    with progress_bar("forecast") as update:
        model.set_params(progress=update)
        result = model.fit(observations).predict(args.horizon)
    notes = [("", "beyond_history", note) for note in horizon_notes(observations, args.horizon)]
    frame = result.to_frame().loc[:, list(FORECAST_COLUMNS)]
    frame, ended = without_ended_units(frame, resolver_of(options))
    frame = within_valid_ranges(frame, packaged_units())
    notes += [(unit.code, "ended_unit", unit.message("forecast period(s)")) for unit in ended]
    # A unit whose forecasts were all left out as ended has its own note above.
    kept = set(zip(frame["region"], frame["indicator"], strict=True))
    early = [
        note
        for note in ended_early(observations, args.horizon)
        if (note["region"], note["indicator"]) in kept
    ]
    frame["period"] = frame["period"].astype(str)
    # Six decimal places, not six significant digits: a forecast of 1,234,567.8 people must
    # not come out as 1.23457e+06, and a share of 4.8 % keeps its precision; values below
    # 1e-6 keep six significant digits instead of becoming 0.
    frame = round_columns(frame)
    try:
        frame.to_csv(args.out, index=False)
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    for _, _, note in notes:
        print(f"warning: {note}", file=sys.stderr)
    for item in early:
        print(f"warning: {item['message']}", file=sys.stderr)
    lines = warning_lines(result.warnings)
    for line in lines[:10]:
        print(f"warning: {line}", file=sys.stderr)
    if len(lines) > 10:
        print(f"warning: ... and {len(lines) - 10} more", file=sys.stderr)
    print(
        f"wrote {len(frame)} rows ({frame[['region', 'indicator']].drop_duplicates().shape[0]} "
        f"series x up to {args.horizon} periods) to {args.out}"
    )
    for indicator, name in model.chosen_models_.items():
        print(f"  {indicator}: {name}")
    if args.json is not None:
        write_json(
            args.json,
            {
                "chosen_models": model.chosen_models_,
                "rows": len(frame),
                "warnings": [
                    *(
                        {"region": region, "indicator": "", "model": "forecast",
                         "category": category, "message": note}
                        for region, category, note in notes
                    ),
                    *early,
                    *result.warnings,
                ],
            },
        )  # fmt: skip
    return 0
