"""``python -m forecasting runs [list|promote RUN_ID|rollback]``: the runs of a registry.

``train --promote`` publishes the run it stores; this command lists the stored runs, and
publishes (promotes) an earlier one or returns to the run active before (rollback), with
the same atomic registry operations the web app uses.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from forecasting.cli import CommandError
from forecasting.cli.backtest import write_json
from forecasting.cli.train import add_registry_argument, open_from_args
from forecasting.registry import Registry, RegistryError, RunRecord


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("list", "promote", "rollback"),
        default="list",
        help="list (default): every run, newest first, the active one marked; "
        "promote RUN_ID: make a run active; rollback: return to the run active before",
    )
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="run to promote")
    add_registry_argument(parser)
    parser.add_argument(
        "--json", type=Path, metavar="OUT.json", help="also write the runs and history as JSON"
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "promote" and not args.run_id:
        raise CommandError("promote needs the id of a run (see: python -m forecasting runs)")
    if args.action != "promote" and args.run_id:
        raise CommandError(f"{args.action} takes no run id (did you mean: promote {args.run_id}?)")
    registry = open_from_args(args, must_exist=True)
    try:
        if args.action == "promote":
            record = registry.promote(args.run_id)
            print(f"active: {record.id}")
        elif args.action == "rollback":
            record = registry.rollback()
            print(f"rolled back; active: {record.id}")
        else:
            print(_listing(registry))
        if args.json is not None:
            write_json(
                args.json,
                {
                    "runs": [record.to_dict() for record in registry.list_runs()],
                    "history": registry.history(),
                },
            )
    except RegistryError as error:
        raise CommandError(str(error)) from None
    return 0


def _listing(registry: Registry) -> str:
    runs = registry.list_runs()
    if not runs:
        return "no runs stored yet"
    lines = [f"{'':2}{'run id':<26} {'created (UTC)':<20} {'status':<10} message"]
    lines += [_line(record) for record in runs]
    lines.append("")
    lines.append("* = active (published) run")
    return "\n".join(lines)


def _line(record: RunRecord) -> str:
    mark = "* " if record.active else "  "
    created = record.created_at.strftime("%Y-%m-%d %H:%M:%S")
    return f"{mark}{record.id:<26} {created:<20} {record.status:<10} {record.message}"
