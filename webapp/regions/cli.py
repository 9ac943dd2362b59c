"""``flask regions ...``: load the geography."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.regions.services import (
    RegionLoadError,
    all_regions,
    country_names,
    load_regions,
    national_names_override,
    stored_country,
)

regions_cli = AppGroup("regions", help="Manage the region registry.")


@regions_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load only into an empty registry; leave units already loaded as they are.",
)
def load_command(path: str | None, if_empty: bool) -> None:
    """Replace the region set with FILE.csv (default: Kazakhstan's units).

    ``make run`` loads with ``--if-empty``: on an installation set up for another country
    it would otherwise replace that country's units with Kazakhstan's.
    """
    if if_empty:
        stored = all_regions()
        if stored:
            shown = ", ".join(region.code for region in stored[:3])
            more = ", ..." if len(stored) > 3 else ""
            click.echo(
                f"Regions not loaded: the registry already holds {len(stored)} units "
                f"({shown}{more}). To replace them, run `flask regions load FILE` "
                "without --if-empty."
            )
            return
    before = stored_country()
    before_label = f"{before.code} ({before.name_en})" if before is not None else None
    try:
        added, updated, removed = load_regions(path)
    except RegionLoadError as error:
        db.session.rollback()
        message = "The region file was not loaded; nothing changed:\n" + "\n".join(
            f"  - {problem}" for problem in error.problems
        )
        raise click.ClickException(message) from error
    db.session.commit()
    click.echo(f"Regions loaded: {added} added, {updated} updated, {removed} removed.")
    country = stored_country()
    if country is not None:
        click.echo(
            f"Country: {country.code} ({country.name_en}); statistics rows labelled "
            + " | ".join(country_names(country))
            + " are its national total."
        )
    elif before_label is not None:
        click.echo(
            f"The file names no country: the stored country {before_label} was removed, "
            "and statistics rows labelled with its names are no longer set apart as the "
            "national total. Add the country row (kind 'country') to the file and load it "
            "again to keep them."
        )
    override = national_names_override(country)
    if override:
        click.echo(override)


@regions_cli.command("list")
def list_command() -> None:
    """List the units in the registry."""
    for region in all_regions():
        click.echo(f"{region.code}\t{region.kind}\t{region.name_en}\t{region.name_ru}")
