"""Command line: ``python -m forecasting COMMAND ...``.

Each command lives in its own module of this package and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit code). Keeping them apart lets
each command grow without touching the others.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS = ("validate", "train", "backtest", "forecast", "score", "card", "runs")


class CommandError(Exception):
    """A problem the user can fix: printed as one clear message, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forecasting",
        description="Validate statistics, score social risk, train and evaluate forecasts.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"forecasting.cli.{name}")
        command_parser = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of stdout went away (``| head``): stop quietly, as Unix tools do, and
        # keep Python from complaining again while it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
