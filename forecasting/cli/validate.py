"""``python -m forecasting validate FILE``: check a statistics file against the data contract.

Prints every issue (row, column, message) and a one-line summary. Exit code 0 when the
file is usable (warnings allowed), 1 when it has errors, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forecasting.cli import CommandError
from forecasting.contract import ContractError
from forecasting.readers import LAYOUTS, read_observations

HELP = "Check a CSV/XLSX file of statistics against the data contract and report every problem."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV, XLSX or XLS file to check")
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="auto",
        help="how the table is laid out (default: detect)",
    )
    layout.add_argument(
        "--wide",
        action="store_const",
        const="wide-region",
        dest="layout",
        help="shorthand for --layout wide-region (one column per region, one row per period)",
    )
    parser.add_argument("--indicator", metavar="CODE", help="indicator the file holds")
    parser.add_argument("--region-column", metavar="C", help="header of the region column")
    parser.add_argument("--period-column", metavar="C", help="header of the period column")
    parser.add_argument("--value-column", metavar="C", help="header of the value column")
    parser.add_argument(
        "--frequency", choices=("Y", "Q", "M"), help="period frequency (default: detect)"
    )
    parser.add_argument("--sheet", metavar="S", help="worksheet name or number (default: first)")
    parser.add_argument(
        "--catalogue", type=Path, metavar="CAT.csv", help="indicator catalogue to check against"
    )
    parser.add_argument(
        "--json", type=Path, metavar="OUT.json", help="also write the report as JSON"
    )


def run(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CommandError(f"no such file: {args.file}")
    if args.catalogue is not None and not args.catalogue.is_file():
        raise CommandError(f"no such catalogue file: {args.catalogue}")
    try:
        result = read_observations(
            args.file,
            layout=args.layout,
            indicator=args.indicator,
            region_column=args.region_column,
            period_column=args.period_column,
            value_column=args.value_column,
            frequency=args.frequency,
            sheet=args.sheet,
            catalogue=args.catalogue,
        )
    except ContractError as error:
        raise CommandError(f"the catalogue {args.catalogue} is not usable:\n{error}") from None
    print(result.report.to_text())
    if args.json is not None:
        try:
            args.json.write_text(
                json.dumps(result.report.to_dict(), ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
        except OSError as error:
            raise CommandError(f"cannot write {args.json}: {error.strerror or error}") from None
    return 0 if result.report.ok else 1
