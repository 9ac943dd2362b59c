"""Reader options shared by the commands that read a statistics file.

``validate``, ``score``, ``backtest``, ``forecast`` and ``train`` accept the same options, so
a file that ``validate`` accepts with ``--indicator`` or ``--region-column`` is read the same
way by the others.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from forecasting.cli import CommandError
from forecasting.geography import RegionResolver, UnitFileError, default_resolver, load_units
from forecasting.readers import LAYOUTS


def add_reader_arguments(parser: argparse.ArgumentParser) -> None:
    """``--layout``/``--wide``, ``--indicator``, column names, ``--frequency``, ``--sheet``."""
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
    parser.add_argument("--indicator-column", metavar="C", help="header of the indicator column")
    parser.add_argument(
        "--frequency", choices=("Y", "Q", "M"), help="period frequency (default: detect)"
    )
    parser.add_argument("--sheet", metavar="S", help="worksheet name or number (default: first)")
    parser.add_argument(
        "--units",
        type=Path,
        metavar="UNITS.csv",
        help="another country's region list, with the columns of "
        "forecasting/data/regions_kz.csv (default: Kazakhstan's units)",
    )


def units_resolver(args: argparse.Namespace) -> RegionResolver | None:
    """The resolver of ``--units`` (``None`` without it: the reader's default, Kazakhstan's).

    A region list that cannot be used stops the command with every problem it has.
    """
    path = getattr(args, "units", None)
    if path is None:
        return None
    if not path.is_file():
        raise CommandError(f"no such region list: {path}")
    try:
        return RegionResolver(load_units(path))
    except UnitFileError as error:
        problems = "\n".join(f"  {problem}" for problem in error.problems)
        raise CommandError(f"the region list {path} is not usable:\n{problems}") from None


def resolver_of(options: dict[str, Any]) -> RegionResolver:
    """The region list the reader options use (``--units``, else Kazakhstan's)."""
    return options.get("resolver") or default_resolver()


def reader_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``read_observations`` the options above set."""
    return {
        "resolver": units_resolver(args),
        "layout": args.layout,
        "indicator": args.indicator,
        "region_column": args.region_column,
        "period_column": args.period_column,
        "value_column": args.value_column,
        "indicator_column": args.indicator_column,
        "frequency": args.frequency,
        "sheet": args.sheet,
    }
