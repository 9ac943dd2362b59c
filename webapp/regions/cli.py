"""``flask regions ...``: load the geography."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forecasting.geography import UnitFileError, load_units
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
    "--unless-another-country",
    is_flag=True,
    help="Leave the registry as it is when it holds another country's units; an empty "
    "registry, or one of the file's country, is loaded (and updated) as usual.",
)
def load_command(path: str | None, unless_another_country: bool) -> None:
    """Replace the region set with FILE.csv (default: Kazakhstan's units).

    ``make run`` loads with ``--unless-another-country``: on an installation set up for
    another country it would otherwise replace that country's units with Kazakhstan's,
    while a Kazakh installation still picks up a newer file (new aliases, say).
    """
    if unless_another_country:
        stored = all_regions()
        theirs = _registry_country(stored)
        ours = _file_country(path)
        if stored and ours is not None and theirs != ours:
            shown = ", ".join(region.code for region in stored[:3])
            more = ", ..." if len(stored) > 3 else ""
            click.echo(
                f"Regions not loaded: the registry holds {len(stored)} units of another "
                f"country ({shown}{more}), the file {ours}'s. To replace them, run "
                "`flask regions load FILE` without --unless-another-country."
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


def _registry_country(stored: list) -> str | None:
    """The stored country's code, else the prefix all stored unit codes share ("KZ")."""
    country = stored_country()
    if country is not None:
        return country.code
    prefixes = {region.code.split("-", 1)[0] for region in stored}
    return prefixes.pop() if len(prefixes) == 1 else None


def _file_country(path: str | None) -> str | None:
    """The file's country code, else its units' shared prefix; None when the file cannot be
    read (the load itself then says what is wrong)."""
    try:
        units = load_units(path)
    except UnitFileError:
        return None
    if units.country is not None:
        return units.country.code
    prefixes = {unit.code.split("-", 1)[0] for unit in units}
    return prefixes.pop() if len(prefixes) == 1 else None
