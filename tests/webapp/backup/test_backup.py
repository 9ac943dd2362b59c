"""One command dumps everything, another restores it; a round trip loses nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.conftest import empty_all_tables
from webapp.audit.models import AuditEvent
from webapp.audit.services import record
from webapp.database import all_metadata
from webapp.extensions import db


def snapshot(app) -> dict[str, list[tuple]]:
    with app.app_context(), db.engine.connect() as connection:
        tables = [table for metadata in all_metadata() for table in metadata.sorted_tables]
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for table in tables
        }


def populate(app, make_user) -> None:
    make_user("admin")
    make_user("council_member")
    with app.app_context():
        record("survey.publish", "survey", 1, {"version": 2, "note": "ünïcödé қазақша"})
        db.session.commit()
    registry = Path(app.config["MODEL_REGISTRY_DIR"])
    (registry / "run-1").mkdir(parents=True)
    (registry / "run-1" / "card.json").write_text('{"run": 1}')


def test_round_trip_restores_every_row_and_the_registry(app, runner, regions, make_user, tmp_path):
    populate(app, make_user)
    before = snapshot(app)
    assert sum(len(rows) for rows in before.values()) > 20
    archive = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup", "create", str(archive)])
    assert result.exit_code == 0, result.output

    with app.app_context():
        empty_all_tables(app)
    registry = Path(app.config["MODEL_REGISTRY_DIR"])
    (registry / "run-1" / "card.json").unlink()
    assert sum(len(rows) for rows in snapshot(app).values()) == 0

    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    after = snapshot(app)
    # The archive's own audit event came after its snapshot; the restore adds its own.
    restored_events = after.pop("audit_events")
    assert after == {name: rows for name, rows in before.items() if name != "audit_events"}
    assert restored_events[:-1] == before["audit_events"]
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).one()
        assert event.action == "backup.restore" and event.target_id == "backup.zip"
        assert event.details["rows"] == sum(len(rows) for rows in before.values())
        assert event.actor_email == "(command line or worker)"
    assert (registry / "run-1" / "card.json").read_text() == '{"run": 1}'

    # Identity counters moved past the restored ids: new rows still insert.
    make_user("analyst")


def test_restore_refuses_a_database_with_data(app, runner, regions, tmp_path):
    archive = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    before = snapshot(app)
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output and "not empty" in result.output
    assert snapshot(app) == before
    result = runner.invoke(args=["backup", "restore", "--replace", str(archive)])
    assert result.exit_code == 0, result.output


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"not a zip at all")
    result = runner.invoke(args=["backup", "restore", str(bogus)])
    assert result.exit_code != 0
    assert "is not a Listening State backup" in result.output


def test_the_archive_is_readable_by_its_owner_only(app, runner, regions, make_user, tmp_path):
    """It holds password hashes and respondents' answers, like the database: the instance's
    secret key and the demo's sign-ins are written 0600 too. Under the usual umask it came
    out world-readable (0644), a leftover partial file of a failed run included."""
    import os
    import stat

    make_user("admin")
    archive = tmp_path / "backup.zip"
    (tmp_path / "backup.zip.partial").write_bytes(b"left by a run that failed")
    os.chmod(tmp_path / "backup.zip.partial", 0o644)
    previous = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", "create", str(archive)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not (tmp_path / "backup.zip.partial").exists()
