"""Settings another country's installation needs from the environment (``webapp/config.py``).

A new installation (another country's, or a scratch one beside the demo) must be able to
name its instance folder, its time zone and its tile-map layout without editing the
repository's ``instance/`` folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import ConfigurationError


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in (
        "DATABASE_URL",
        "SECRET_KEY",
        "MODEL_REGISTRY_DIR",
        "INSTANCE_PATH",
        "TIMEZONE",
        "REVIEW_TILEMAP_FILE",
        "NATIONAL_NAMES",
    ):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_instance_path_from_the_environment_holds_everything(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "kg-instance"
    folder.mkdir()
    (folder / "config.py").write_text("SUPPRESSION_THRESHOLD = 7\n")
    clean_environment.setenv("INSTANCE_PATH", str(folder))
    app = create_app()
    assert Path(app.instance_path) == folder.resolve()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{folder.resolve() / 'listening_state.sqlite3'}"
    )
    assert (folder / "secret_key").read_text().strip() == app.config["SECRET_KEY"]
    assert app.config["MODEL_REGISTRY_DIR"] == str(folder.resolve() / "model-registry")
    assert app.config["SUPPRESSION_THRESHOLD"] == 7  # the folder's own config.py


def test_the_tests_instance_path_wins_over_the_environment(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("INSTANCE_PATH", str(tmp_path / "from-environment"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "from-test")})
    assert app.instance_path == str(tmp_path / "from-test")
    assert not (tmp_path / "from-environment").exists()


def test_time_zone_from_the_environment(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("TIMEZONE", "Asia/Bishkek")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Bishkek"
    with app.test_request_context():
        from flask_babel import get_timezone

        assert str(get_timezone()) == "Asia/Bishkek"


def test_unknown_time_zone_is_refused_at_start_naming_the_setting(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("TIMEZONE", "Asia/Frunze-City")
    with pytest.raises(ConfigurationError, match=r"TIMEZONE .*'Asia/Frunze-City'"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_tile_map_layout_from_the_environment(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    layout = tmp_path / "tilemap_kg.csv"
    layout.write_text("code,row,col\nKG-T,0,0\n")
    clean_environment.setenv("REVIEW_TILEMAP_FILE", str(layout))
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["REVIEW_TILEMAP_FILE"] == str(layout)


def test_a_number_setting_that_is_not_a_number_names_the_variable(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("SUPPRESSION_THRESHOLD", "ten")
    with pytest.raises(ConfigurationError, match="SUPPRESSION_THRESHOLD 'ten' is not a whole"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_national_names_from_the_environment_are_a_list(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("NATIONAL_NAMES", "Кыргызская Республика | Кыргызстан|Kyrgyzstan|")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["NATIONAL_NAMES"] == ("Кыргызская Республика", "Кыргызстан", "Kyrgyzstan")
