"""``python -m forecasting card RUN_ID``: print the model card of a stored run."""

from __future__ import annotations

import argparse

from forecasting.cli import CommandError
from forecasting.cli.train import add_registry_argument, open_from_args
from forecasting.registry import RegistryError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="run id, or 'active' for the active run")
    add_registry_argument(parser)
    parser.add_argument("--format", choices=("md", "json"), default="md", help="default: md")


def run(args: argparse.Namespace) -> int:
    registry = open_from_args(args, must_exist=True)
    run_id = None if args.run_id == "active" else args.run_id
    try:
        print(registry.load_card(run_id, format=args.format), end="")
    except RegistryError as error:
        raise CommandError(str(error)) from None
    return 0
