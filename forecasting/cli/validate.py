"""``python -m forecasting validate FILE``: check a statistics file against the data contract.

Prints every issue (row, column, message) and a one-line summary. Exit code 0 when the
file is usable (warnings allowed), 1 when it has errors, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forecasting.cli import CommandError
from forecasting.cli.reading import add_reader_arguments, reader_options
from forecasting.contract import ContractError
from forecasting.readers import read_observations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV, XLSX or XLS file to check")
    add_reader_arguments(parser)
    parser.add_argument(
        "--catalogue", type=Path, metavar="CAT.csv", help="indicator catalogue to check against"
    )
    parser.add_argument(
        "--keep-region-labels",
        action="store_true",
        help="keep region labels as opaque series keys instead of matching them to "
        "Kazakhstan's units (countries, firms, shops...)",
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
            catalogue=args.catalogue,
            resolve_regions=not args.keep_region_labels,
            **reader_options(args),
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
