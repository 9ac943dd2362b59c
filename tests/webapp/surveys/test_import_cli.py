"""`flask surveys import`: exit codes, printed problems, nothing stored on error."""

from __future__ import annotations

import sqlalchemy as sa

from tests.webapp.surveys.surveys_support import (
    HEADER,
    WELLBEING_CHOICES,
    WELLBEING_SETTINGS,
    WELLBEING_SURVEY,
    xlsx_bytes,
)
from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyVersion


def survey_count(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Survey)),
            db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)),
        )


def test_import_prints_id_and_version_and_can_publish(app, runner, regions, tmp_path):
    path = tmp_path / "wellbeing.xlsx"
    path.write_bytes(xlsx_bytes())
    result = runner.invoke(args=["surveys", "import", str(path), "--publish", "--slug", "wb"])
    assert result.exit_code == 0, result.output
    assert "survey id=" in result.output and "version=1" in result.output
    assert "state=open" in result.output
    again = runner.invoke(args=["surveys", "import", str(path), "--slug", "wb"])
    assert again.exit_code == 0, again.output
    assert "version=2" in again.output  # a published survey gets a new version
    assert survey_count(app) == (1, 2)
    listing = runner.invoke(args=["surveys", "list"])
    assert "wb\topen\tpublic\tv2" in listing.output


def test_problems_are_printed_with_their_place_and_nothing_is_stored(
    app, runner, regions, tmp_path
):
    broken_survey = [
        *WELLBEING_SURVEY[:3],
        ["integer", "age", "a", "b", "c"],
        ["integer", "age", "a", "b", "c"],  # duplicate name
        ["select_one missing_list", "colour", "a", "b", "c"],  # no such choice list
        *WELLBEING_SURVEY[4:],
    ]
    path = tmp_path / "broken.xlsx"
    path.write_bytes(xlsx_bytes(broken_survey, WELLBEING_CHOICES, WELLBEING_SETTINGS))
    result = runner.invoke(args=["surveys", "import", str(path), "--publish"])
    assert result.exit_code == 1
    assert "not imported" in result.output
    assert "sheet=survey row=" in result.output
    assert "missing_list" in result.output
    assert "age" in result.output
    assert survey_count(app) == (0, 0)


def test_empty_unreadable_and_missing_files_are_refused(app, runner, regions, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "notes.xlsx"
    text.write_text("this is not a workbook")
    no_survey_sheet = tmp_path / "choices-only.xlsx"
    no_survey_sheet.write_bytes(xlsx_bytes([HEADER], WELLBEING_CHOICES, WELLBEING_SETTINGS))
    for path, words in (
        (empty, "empty"),
        (text, "not an Excel workbook"),
        (tmp_path / "absent.xlsx", "cannot open"),
        (no_survey_sheet, "survey"),
    ):
        result = runner.invoke(args=["surveys", "import", str(path)])
        assert result.exit_code == 1, (path, result.output)
        assert words in result.output, result.output
    assert survey_count(app) == (0, 0)


def test_json_definition_imports_and_bad_json_is_refused(app, runner, regions, tmp_path):
    from webapp.surveys.definition import definition_to_json
    from webapp.surveys.xlsform import import_xlsform

    good = tmp_path / "wellbeing.json"
    good.write_text(definition_to_json(import_xlsform(xlsx_bytes())), encoding="utf-8")
    result = runner.invoke(args=["surveys", "import", str(good), "--audience", "invitation"])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"form_id": "x", "pages": 3}', encoding="utf-8")
    result = runner.invoke(args=["surveys", "import", str(bad)])
    assert result.exit_code == 1
    assert "pages" in result.output
    assert survey_count(app) == (1, 1)


def test_unknown_region_in_settings_is_refused(app, runner, regions, tmp_path):
    survey = [row for row in WELLBEING_SURVEY if row[1] != "region"]
    settings = [["form_id", "form_title", "region"], ["bound", "Bound", "KZ-999"]]
    path = tmp_path / "bound.xlsx"
    path.write_bytes(xlsx_bytes(survey, WELLBEING_CHOICES, settings))
    result = runner.invoke(args=["surveys", "import", str(path)])
    assert result.exit_code == 1
    assert "KZ-999" in result.output and "region registry" in result.output
    assert survey_count(app) == (0, 0)


def test_council_commands(app, runner, regions, make_user):
    member = make_user("council_member")
    body = runner.invoke(
        args=[
            "surveys",
            "councils",
            "add-body",
            "--kk",
            "Министрлік",
            "--ru",
            "Министерство",
            "--en",
            "Ministry",
            "--level",
            "republican",
        ]
    )
    assert body.exit_code == 0, body.output
    body_id = body.output.strip().split("=")[1]
    council = runner.invoke(
        args=[
            "surveys",
            "councils",
            "add",
            "--body",
            body_id,
            "--kk",
            "К",
            "--ru",
            "С",
            "--en",
            "Council",
        ]
    )
    council_id = council.output.strip().split("=")[1]
    added = runner.invoke(args=["surveys", "councils", "add-member", council_id, member.email])
    assert added.exit_code == 0, added.output
    listing = runner.invoke(args=["surveys", "councils", "list"])
    assert "1 member(s)" in listing.output
    refused = runner.invoke(args=["surveys", "councils", "add-member", council_id, member.email])
    assert refused.exit_code != 0 and "already a member" in refused.output
