"""``flask regions ...``: load the geography."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.regions.services import RegionLoadError, all_regions, load_regions

regions_cli = AppGroup("regions", help="Manage the region registry.")


@regions_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def load_command(path: str | None) -> None:
    """Replace the region set with FILE.csv (default: Kazakhstan's units)."""
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


@regions_cli.command("list")
def list_command() -> None:
    """List the units in the registry."""
    for region in all_regions():
        click.echo(f"{region.code}\t{region.kind}\t{region.name_en}\t{region.name_ru}")
