"""``flask backup create|restore``: the whole installation in one portable file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.audit.services import record
from webapp.backup.services import BackupError, create_backup, read_manifest, restore_backup
from webapp.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the model registry.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write a backup archive (zip) to PATH."""
    manifest = create_backup(path)
    record("backup.create", "backup", path.name, {"tables": manifest["tables"]})
    db.session.commit()
    rows = sum(manifest["tables"].values())
    click.echo(f"Backup written to {path}: {len(manifest['tables'])} tables, {rows} rows.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already has data.")
def restore_command(path: Path, replace: bool) -> None:
    """Restore a backup archive into this (empty) database."""
    try:
        restored = restore_backup(path, replace=replace)
    except BackupError as error:
        raise click.ClickException(f"Nothing was restored: {error}") from error
    # After the restore, so that the restored log says when it was restored and from what.
    manifest = read_manifest(path)
    record(
        "backup.restore",
        "backup",
        path.name,
        {"rows": sum(restored.values()), "backup_created_at": manifest.get("created_at", "")},
    )
    db.session.commit()
    click.echo(f"Restored {sum(restored.values())} rows in {len(restored)} tables from {path}.")
