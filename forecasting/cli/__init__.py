"""Command line: ``python -m forecasting COMMAND ...``.

Each command lives in its own module of this package and exposes ``add_arguments(parser)``
and ``run(args) -> int`` (the exit code); its one-line help is in ``COMMANDS``. Keeping them
apart lets each command grow without touching the others, and lets a run import only the
command it runs: scikit-learn and statsmodels take seconds to import, which ``validate`` and
``--help`` do not need.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

#: The commands, in the order ``--help`` lists them, with their one-line help.
COMMANDS: dict[str, str] = {
    "validate": "Check a CSV/XLSX file of statistics against the data contract and report every problem.",
    "train": "Train (backtest, choose, forecast, score), store the run in the registry.",
    "backtest": "Rolling-origin backtest of every model (baselines included) on a tidy CSV.",
    "forecast": "Forecast every series (model chosen per indicator by backtest) to a CSV.",
    "score": "Score regional social risk (0-10, five classes) with its reliability and breakdown.",
    "card": "Print the model card (Markdown or JSON) of a stored training run.",
    "runs": "List the stored training runs, promote one or roll back to the run active before.",
}


class CommandError(Exception):
    """A problem the user can fix: printed as one clear message, exit code 2."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, the arguments of that command alone (the others are
    listed by name and help, which is all ``--help`` and argparse's errors need)."""
    parser = argparse.ArgumentParser(
        prog="python -m forecasting",
        description="Validate statistics, score social risk, train and evaluate forecasts.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        command_parser = subparsers.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            module = importlib.import_module(f"forecasting.cli.{name}")
            module.add_arguments(command_parser)
            command_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The command is the first argument (the program has no options of its own but --help).
    command = argv[0] if argv and argv[0] in COMMANDS else ""
    parser = build_parser(only=command)
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
