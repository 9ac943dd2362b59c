"""The app factory reads configuration in a fixed order and keeps secrets out of the repository."""

from __future__ import annotations

from pathlib import Path

from webapp import create_app
from webapp.config import normalise_database_url


def test_configuration_order_defaults_instance_environment_test(tmp_path: Path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SUPPRESSION_THRESHOLD = 7\nLOG_LEVEL = 'WARNING'\nREDIS_URL = 'redis://from-file'\n"
    )
    monkeypatch.setenv("REDIS_URL", "redis://from-environment")
    monkeypatch.setenv("SUPPRESSION_THRESHOLD", "12")
    app = create_app({"INSTANCE_PATH": str(instance), "LOG_LEVEL": "ERROR"})
    assert app.config["SUPPRESSION_THRESHOLD"] == 12  # environment beats the instance file
    assert app.config["REDIS_URL"] == "redis://from-environment"
    assert app.config["LOG_LEVEL"] == "ERROR"  # test overrides beat everything
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://from-environment"


def test_defaults_to_sqlite_in_instance_folder(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'listening_state.sqlite3'}"
    )


def test_secret_key_generated_once_into_instance_folder(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance)})
    second = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64


def test_secret_key_from_environment_is_not_written(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_postgres_urls_use_psycopg_driver():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_with_foreign_keys_and_wal(app_context):
    import sqlalchemy as sa

    from webapp.extensions import db

    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_health_check_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["database_backend"] in {"sqlite", "postgresql"}


def test_health_check_reports_unreachable_database(tmp_path: Path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_request_size_is_limited(client):
    response = client.post("/sign-in", data={"email": "x" * (21 * 1024 * 1024)})
    assert response.status_code == 413


def test_a_web_worker_starts_without_the_modelling_libraries(tmp_path: Path) -> None:
    """SciPy, scikit-learn and statsmodels add ~80 MB to every worker; they are loaded only
    by the code that models (training, scoring, survey indicators), never at start-up."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from webapp import create_app\n"
        f"create_app({{'INSTANCE_PATH': {str(tmp_path)!r}, 'LOG_LEVEL': 'ERROR'}})\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'scipy', 'sklearn', 'statsmodels'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
