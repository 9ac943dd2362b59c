"""Backup restore cases the archive fuzzer found, pinned on SQLite and PostgreSQL.

1. Surveys and their versions point at each other: restoring any database with a survey
   failed on the foreign key (the survey's current version did not exist yet).
2. An unsafe model-registry path was refused only after the database had been replaced.
3. A damaged row raised a raw driver or JSON error instead of a ``BackupError``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import empty_all_tables
from tests.fuzz.support import survey_xlsx, table_counts


def archive_with_a_survey(app: Flask, target: Path) -> Path:
    from webapp.backup.services import create_backup
    from webapp.extensions import db
    from webapp.surveys.services import authoring

    with app.app_context():
        survey = authoring.create_survey(
            authoring.read_definition(survey_xlsx(), "s.xlsx"), slug="restored"
        )
        authoring.open_survey(survey)
        authoring.add_version(survey, authoring.read_definition(survey_xlsx(), "s.xlsx"))
        db.session.commit()
        create_backup(target)
    return target


def rewritten(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in change:
                if change[name] is not None:
                    new.writestr(name, change.pop(name))
                else:
                    change.pop(name)
                continue
            new.writestr(name, old.read(name))
        for name, data in change.items():
            new.writestr(name, data or b"")
    return target


def test_a_database_with_surveys_round_trips(app: Flask, regions, tmp_path: Path) -> None:
    from webapp.backup.services import restore_backup
    from webapp.extensions import db
    from webapp.surveys.models import Survey

    archive = archive_with_a_survey(app, tmp_path / "backup.zip")
    before = table_counts(app)
    with app.app_context():
        current_version = db.session.scalar(sa.select(Survey.current_version_id))
        db.session.remove()
        empty_all_tables(app)
        restore_backup(archive)
        assert db.session.scalar(sa.select(Survey.current_version_id)) == current_version
        db.session.remove()
    assert table_counts(app) == before


@pytest.mark.parametrize(
    "change",
    [
        {"model-registry/../../outside": b"x"},
        {"tables/users.jsonl": b'{"id": "not a number", "email": null}\n'},
        {"tables/regions.jsonl": b"{not json\n"},
        {"tables/surveys.jsonl": b'{"bogus_column": 1}\n'},
        {"tables/audit_events.jsonl": b"[" * 10000 + b"\n"},
        {"manifest.json": b"[]"},
    ],
    ids=["unsafe-path", "wrong-type", "not-json", "unknown-column", "deep-nesting", "manifest"],
)
def test_a_damaged_archive_is_refused_and_changes_nothing(
    app: Flask, regions, tmp_path: Path, change: dict
) -> None:
    from webapp.backup.services import BackupError, restore_backup
    from webapp.extensions import db

    archive = archive_with_a_survey(app, tmp_path / "backup.zip")
    damaged = rewritten(archive, tmp_path / "damaged.zip", dict(change))
    before = table_counts(app)
    with app.app_context():
        with pytest.raises(BackupError) as refused:
            restore_backup(damaged, replace=True)
        db.session.remove()
    assert "Traceback" not in str(refused.value)
    assert table_counts(app) == before
    registry = Path(app.config["MODEL_REGISTRY_DIR"])
    assert not (registry.parent / "outside").exists()
    json.dumps(str(refused.value))  # a printable, single message
