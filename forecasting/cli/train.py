"""``python -m forecasting train``: train on a data file and store the run in a registry.

The run (forecasts, scores, score forecasts, backtest metrics, model card) goes to a
directory registry (``--registry``, default ``$FORECASTING_REGISTRY`` or ``./model-registry``;
a SQLAlchemy URL selects a database registry). Prints the run id; ``--promote`` makes it the
active run.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from forecasting.cli import CommandError
from forecasting.cli.backtest import (
    add_data_arguments,
    add_keep_labels_argument,
    candidates_from_args,
    load_observations,
    progress_bar,
    write_json,
)
from forecasting.cli.reading import reader_options
from forecasting.contract import ContractError, read_catalogue
from forecasting.index import default_catalogue
from forecasting.pipeline import TrainingError, train
from forecasting.registry import Registry, RegistryError, SqlRegistry, open_registry

DEFAULT_REGISTRY = "./model-registry"


def registry_location(value: str | None) -> str:
    return value or os.environ.get("FORECASTING_REGISTRY") or DEFAULT_REGISTRY


def add_registry_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        metavar="DIR|URL",
        help="registry directory or database URL (default: $FORECASTING_REGISTRY or "
        f"{DEFAULT_REGISTRY})",
    )


def open_from_args(args: argparse.Namespace, must_exist: bool = False) -> Registry:
    """The registry the options name. ``must_exist`` (commands that only read or move the
    active run) refuses a directory that is not there instead of creating an empty one, so a
    mistyped path says so rather than "no run"."""
    location = registry_location(args.registry)
    if must_exist and "://" not in location and not Path(location).exists():
        raise CommandError(
            f"no registry at {location}: train stores its first run there "
            "(python -m forecasting train --data FILE --registry DIR)"
        )
    try:
        registry = open_registry(location)
        if isinstance(registry, SqlRegistry):
            registry.create_tables()  # stand-alone use; a no-op where migrations made them
        return registry
    except (OSError, RegistryError) as error:
        raise CommandError(f"cannot open registry {location}: {error}") from None
    except Exception as error:  # SQLAlchemy: bad URL or unknown driver
        raise CommandError(f"cannot open registry {location}: {error}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_arguments(parser)
    parser.add_argument(
        "--catalogue", type=Path, metavar="CAT.csv", help="indicator catalogue (default: built in)"
    )
    add_registry_argument(parser)
    parser.add_argument("--promote", action="store_true", help="make the new run active")
    add_keep_labels_argument(parser)
    parser.add_argument(
        "--include-models", action="store_true", help="also store the fitted models (pickle)"
    )
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write a run summary")


def run(args: argparse.Namespace) -> int:
    options = reader_options(args)
    catalogue = None
    if args.catalogue is not None:
        if not args.catalogue.is_file():
            raise CommandError(f"no such catalogue file: {args.catalogue}")
        try:
            catalogue = read_catalogue(args.catalogue)
        except ContractError as error:
            raise CommandError(f"the catalogue {args.catalogue} is not usable:\n{error}") from None
    # The file is checked against the catalogue the run scores with, as score checks it:
    # quarterly figures of an indicator the catalogue calls annual were trained and scored.
    # Indicators it does not know are forecast, not scored (the pipeline says so).
    options.update(
        catalogue=catalogue if catalogue is not None else default_catalogue(),
        unknown_indicators="keep",
    )
    observations = load_observations(
        args.data, keep_keys=True if args.keep_region_labels else None, options=options
    )
    registry = open_from_args(args)
    with progress_bar("train") as update:
        try:
            result = train(
                observations,
                catalogue,
                horizon=args.horizon,
                n_origins=args.origins,
                random_state=args.seed,
                progress=update,
                candidates=candidates_from_args(args),
                n_jobs=args.jobs,
                resolver=options["resolver"],
            )
        except (TrainingError, ContractError) as error:
            raise CommandError(str(error)) from None
    try:
        record = registry.store(
            result.artifacts(include_models=args.include_models),
            data_hash=result.data_hash,
            parameters=result.parameters,
            message=result.message(),
        )
        if args.promote:
            record = registry.promote(record.id)
    except (OSError, RegistryError) as error:
        raise CommandError(f"cannot store the run: {error}") from None
    print(result.summary())
    print(record.id)
    if args.json is not None:
        write_json(
            args.json,
            {
                "run_id": record.id,
                "active": record.active,
                "registry": registry_location(args.registry),
                "data_hash": result.data_hash,
                "chosen_models": result.chosen_models,
                "parameters": result.parameters,
                "warnings": len(result.warnings),
                "seconds": round(result.seconds, 3),
            },
        )
    return 0
