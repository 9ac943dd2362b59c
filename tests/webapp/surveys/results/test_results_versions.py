"""Results across survey versions: each question's figures rest on the responses whose
version held it, each choice's share on the respondents it was offered to."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.surveys.definition import Choice, Question, SurveyDefinition
from webapp.surveys.models import Survey, SurveyResponse
from webapp.surveys.results import services
from webapp.surveys.results.figures import Filters

#: Responses of version 1 and version 2 per (region, month). KZ-10 in February has both;
#: KZ-11 in March has three stragglers of version 1 beside 30 of version 2.
PLAN_V1 = {("KZ-10", 1): 30, ("KZ-10", 2): 20, ("KZ-75", 2): 20, ("KZ-11", 3): 3}
PLAN_V2 = {("KZ-10", 2): 20, ("KZ-75", 2): 20, ("KZ-75", 3): 30, ("KZ-11", 3): 30}


def second_version(first: SurveyDefinition) -> SurveyDefinition:
    """Version 2: ``waiting`` added, ``household`` removed, choice ``dk`` added to ``trust``,
    ``health`` removed from and ``bank`` added to ``services``."""
    page = first.pages[0]
    questions = [q for q in page.questions if q.name != "household"]
    at = [q.name for q in questions].index("trust") + 1
    questions.insert(
        at, Question("waiting", "select_one", {"en": "Waiting time"}, choice_list="yesno")
    )
    questions = [replace(q, choice_list="likert_dk") if q.name == "trust" else q for q in questions]
    choice_lists = dict(first.choice_lists)
    choice_lists["likert_dk"] = [*first.choice_lists["likert"], Choice("dk", {"en": "Don't know"})]
    choice_lists["services"] = [
        *(c for c in first.choice_lists["services"] if c.name != "health"),
        Choice("bank", {"en": "Bank"}),
    ]
    choice_lists["yesno"] = [Choice("yes", {"en": "Yes"}), Choice("no", {"en": "No"})]
    return replace(first, pages=[replace(page, questions=questions)], choice_lists=choice_lists)


def answers_for(version: int, rng: random.Random, region: str) -> dict[str, Any]:
    answers: dict[str, Any] = {"consent": "OK", "region": region}
    likert = list("12345") + (["dk"] if version == 2 else [])
    answers["trust"] = rng.choice(likert)
    options = ["psc", "egov", "health"] if version == 1 else ["psc", "egov", "bank"]
    if rng.random() < 0.9:
        answers["services"] = sorted(rng.sample(options, rng.randint(1, 2)))
    if version == 1:
        answers["household"] = rng.randint(1, 7)
    elif rng.random() < 0.8:  # some skip it: "no answer", not "not asked"
        answers["waiting"] = rng.choice(["yes", "no"])
    answers["score"] = rng.randint(1, 5)
    return answers


def insert(survey_id: int, version_id: int, version: int, plan: dict, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for index, ((region, month), count) in enumerate(plan.items()):
        for number in range(count):
            rows.append(
                {
                    "survey_id": survey_id,
                    "survey_version_id": version_id,
                    "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "content_hash": "0" * 64,
                    "language": ("kk", "ru")[number % 2],
                    "region_code": region,
                    "submitted_at": datetime(2026, month, 2 + number % 25, 7, tzinfo=UTC)
                    + timedelta(minutes=index),
                    "answers": answers_for(version, rng, region),
                    "version": version,
                }
            )
    db.session.execute(
        sa.insert(SurveyResponse), [{k: v for k, v in r.items() if k != "version"} for r in rows]
    )
    db.session.commit()
    return rows


@pytest.fixture
def versioned(app, regions, results_definition_factory):
    """A survey answered in two versions; returns (survey id, rows with their version)."""
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    with app.app_context():
        first = results_definition_factory()
        survey = create_survey(first, slug="versions-test")
        open_survey(survey)
        db.session.commit()
        rows = insert(survey.id, survey.current_version_id, 1, PLAN_V1, seed=3)
        add_version(survey, second_version(first))
        db.session.commit()
        rows += insert(survey.id, survey.current_version_id, 2, PLAN_V2, seed=4)
        return survey.id, rows


def figures_of(survey_id: int, name: str, filters: Filters | None = None):
    survey = db.session.get(Survey, survey_id)
    summary = services.survey_summary(survey, filters or Filters(), viewer_is_analyst=True)
    return next(q for q in summary["questions"] if q["name"] == name)


def rows_of(figures) -> dict:
    return {row["value"]: row for row in figures["rows"]}


def in_filter(rows, filters: Filters) -> list[dict]:
    return [
        r for r in rows if filters.includes((r["region_code"], r["submitted_at"].strftime("%Y-%m")))
    ]


FILTERS = [
    Filters(),
    Filters("KZ-10", "2026-02", "2026-02"),
    Filters("KZ-75"),
    Filters(None, "2026-03", "2026-03"),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_a_question_added_in_version_2_counts_only_version_2(app_context, versioned, filters):
    survey_id, rows = versioned
    rows = in_filter(rows, filters)
    asked = [r for r in rows if r["version"] == 2]
    figures = figures_of(survey_id, "waiting", filters)
    by_value = rows_of(figures)
    skipped = sum("waiting" not in r["answers"] for r in asked)
    assert by_value[None]["count"] == skipped  # was every version-1 respondent as well
    for value in ("yes", "no"):
        count = sum(r["answers"].get("waiting") == value for r in asked)
        assert by_value[value]["count"] == count
        assert by_value[value]["share"] == round(100 * count / len(asked), 1)
    assert figures["total"] == len(rows)
    assert figures["asked"] == len(asked)
    assert figures["not_asked"] == len(rows) - len(asked)


@pytest.mark.parametrize("filters", FILTERS)
def test_a_question_removed_in_version_2_counts_only_version_1(app_context, versioned, filters):
    survey_id, rows = versioned
    rows = in_filter(rows, filters)
    asked = [r for r in rows if r["version"] == 1]
    figures = figures_of(survey_id, "household", filters)
    assert rows_of(figures)[None]["count"] == 0  # every version-1 respondent answered it
    assert figures["summary"]["n"] == len(asked)
    three = sum(r["answers"]["household"] == 3 for r in asked)
    assert rows_of(figures)["3"]["share"] == round(100 * three / len(asked), 1)
    assert (figures["asked"], figures["not_asked"]) == (len(asked), len(rows) - len(asked))


@pytest.mark.parametrize("filters", FILTERS)
def test_a_choice_added_or_removed_rests_on_the_versions_offering_it(
    app_context, versioned, filters
):
    survey_id, rows = versioned
    rows = in_filter(rows, filters)
    second = [r for r in rows if r["version"] == 2]
    first = [r for r in rows if r["version"] == 1]
    trust = rows_of(figures_of(survey_id, "trust", filters))
    dk = sum(r["answers"]["trust"] == "dk" for r in second)
    assert trust["dk"]["count"] == dk
    assert trust["dk"]["share"] == (round(100 * dk / len(second), 1) if second else None)
    assert trust["dk"]["offered"] == len(second)
    one = sum(r["answers"]["trust"] == "1" for r in rows)
    assert "offered" not in trust["1"] and trust["1"]["share"] == round(100 * one / len(rows), 1)
    services_rows = rows_of(figures_of(survey_id, "services", filters))
    health = sum("health" in r["answers"].get("services", []) for r in first)
    bank = sum("bank" in r["answers"].get("services", []) for r in second)
    assert services_rows["health"]["offered"] == len(first)
    assert services_rows["health"]["share"] == (
        round(100 * health / len(first), 1) if first else None
    )
    assert services_rows["bank"]["count"] == bank and services_rows["bank"]["offered"] == len(
        second
    )
    assert services_rows["health"]["label"] == "HEALTH"  # named from the version that had it


def test_a_question_asked_in_every_version_is_unchanged(app_context, versioned):
    survey_id, rows = versioned
    figures = figures_of(survey_id, "score")
    assert (figures["asked"], figures["not_asked"]) == (len(rows), 0)
    assert figures["summary"]["n"] == len(rows)


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=10)
def test_protected_figures_never_tell_a_small_version_group(app_context, versioned):
    """KZ-11 in March: 3 responses of version 1 beside 30 of version 2. The council member's
    figures of one block must not give those 3 away, neither as a question's asked or not
    asked count nor as the difference between two questions' counts."""
    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    blocks = {(r["region_code"], r["submitted_at"].strftime("%Y-%m")) for r in rows}
    for region, month in sorted(blocks):
        summary = services.survey_summary(survey, Filters(region, month, month), False)
        bases = set()
        for question in summary["questions"]:
            for key in ("total", "asked", "not_asked"):
                assert question[key] == 0 or question[key] >= 10, (region, month, question)
            bases.add(question["asked"])
            for row in question.get("rows", []):
                if "offered" in row:
                    assert row["offered"] == 0 or row["offered"] >= 10, (region, month, row)
                    bases.add(row["offered"])
        for a in bases:
            for b in bases:
                assert abs(a - b) == 0 or abs(a - b) >= 10, (region, month, bases)
    stragglers = services.survey_summary(survey, Filters("KZ-11", "2026-03", "2026-03"), False)
    waiting = next(q for q in stragglers["questions"] if q["name"] == "waiting")
    # Both versions are hidden together: the question rests on all 33, as before versions
    # were told apart, rather than on the 30 that would give the 3 away.
    assert (waiting["total"], waiting["asked"], waiting["not_asked"]) == (33, 33, 0)
    # Where both versions are large, the figures are exact.
    february = services.survey_summary(survey, Filters("KZ-10", "2026-02", "2026-02"), False)
    waiting = next(q for q in february["questions"] if q["name"] == "waiting")
    assert (waiting["total"], waiting["asked"], waiting["not_asked"]) == (40, 20, 20)


def test_indicator_n_counts_only_respondents_who_were_asked(app_context, versioned):
    from webapp.surveys.results.services import add_mapping, survey_indicator_observations

    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    add_mapping(survey, "survey_waiting", "waiting", "share", ["yes"])
    add_mapping(survey, "survey_household", "household", "mean")
    db.session.commit()
    frame = survey_indicator_observations([survey], frequency="M")
    march = frame[
        (frame["region"] == "KZ-75")
        & (frame["indicator"] == "survey_waiting")
        & (frame["period"].astype(str) == "2026-03")
    ]
    asked = [
        r
        for r in rows
        if r["region_code"] == "KZ-75" and r["submitted_at"].month == 3 and r["version"] == 2
    ]
    answered = [r for r in asked if "waiting" in r["answers"]]
    yes = sum(r["answers"]["waiting"] == "yes" for r in answered)
    assert float(march["n"].iloc[0]) == len(answered)
    assert float(march["value"].iloc[0]) == pytest.approx(100 * yes / len(answered))
    household = frame[frame["indicator"] == "survey_household"]
    # Version 2 never asked it: KZ-75 in March (version 2 only) has no observation.
    assert set(zip(household["region"], household["period"].astype(str), strict=True)) == {
        ("KZ-10", "2026-01"),
        ("KZ-10", "2026-02"),
        ("KZ-75", "2026-02"),
        ("KZ-11", "2026-03"),
    }


def test_tallies_of_versions_survive_refresh_catch_up_and_rebuild(app_context, versioned):
    """The version counts go through the same machinery as the other tallies."""
    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    before = figures_of(survey_id, "waiting")
    more = insert(survey_id, survey.current_version_id, 2, {("KZ-10", 4): 12}, seed=11)
    after = figures_of(survey_id, "waiting")
    assert after["asked"] == before["asked"] + 12 and after["total"] == before["total"] + 12
    assert services.rebuild_tallies(survey_id) == len(rows) + len(more)
    assert figures_of(survey_id, "waiting") == after


def test_the_migration_keeps_single_version_counts_and_recounts_the_others(
    app, results_definition_factory
):
    """Upgrading: a one-version survey's counts gain their version; a survey of several
    versions is counted again (its version per response is not in the old counts)."""
    from flask_migrate import upgrade

    from webapp.database import all_metadata
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    with app.app_context():
        with db.engine.begin() as connection:
            for metadata in all_metadata():
                metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="c2a8f5e3d1b6")
        single = create_survey(results_definition_factory(), slug="one-version")
        several = create_survey(results_definition_factory(), slug="two-versions")
        open_survey(several)
        db.session.flush()
        add_version(several, second_version(results_definition_factory()))
        db.session.commit()
        for survey_id in (single.id, several.id):
            for day, count in (("2026-01-05", 4), ("2026-01-20", 3), ("2026-02-01", 5)):
                db.session.execute(
                    sa.text(
                        "INSERT INTO survey_result_counts "
                        "(survey_id, region_code, day, month, language, count) "
                        "VALUES (:s, 'KZ-10', :d, :m, 'ru', :n)"
                    ),
                    {"s": survey_id, "d": day, "m": day[:7], "n": count},
                )
            db.session.execute(
                sa.text(
                    "INSERT INTO survey_result_tallies "
                    "(survey_id, question, value, region_code, month, count) "
                    "VALUES (:s, 'trust', '', 'KZ-10', '2026-01', 7)"
                ),
                {"s": survey_id},
            )
            db.session.execute(
                sa.text(
                    "INSERT INTO survey_result_watermarks "
                    "(survey_id, last_response_id, updated_at) VALUES (:s, 12, :t)"
                ),
                {"s": survey_id, "t": datetime(2026, 2, 2, tzinfo=UTC)},
            )
        db.session.commit()
        single_id, several_id, version_id = single.id, several.id, single.current_version_id
        db.session.remove()
        upgrade()
        version_counts = db.session.execute(
            sa.text(
                "SELECT survey_id, survey_version_id, region_code, month, count "
                "FROM survey_result_version_counts ORDER BY month"
            )
        ).all()
        assert [tuple(row) for row in version_counts] == [
            (single_id, version_id, "KZ-10", "2026-01", 7),
            (single_id, version_id, "KZ-10", "2026-02", 5),
        ]
        for table in ("survey_result_counts", "survey_result_tallies", "survey_result_watermarks"):
            kept = db.session.scalar(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE survey_id = :s"),
                {"s": several_id},
            )
            assert kept == 0, table
        assert (
            db.session.scalar(
                sa.text(
                    "SELECT last_response_id FROM survey_result_watermarks WHERE survey_id = :s"
                ),
                {"s": single_id},
            )
            == 12
        )


@pytest.mark.parametrize(
    ("language", "not_asked", "offered"),
    [
        ("en", "Not asked: 73 respondents", "offered in some versions only"),
        ("ru", "Не задавался: 73 респондентов", "предлагался не во всех версиях"),
        ("kk", "Қойылмаған: 73 респондент", "барлық нұсқада ұсынылмаған"),
    ],
)
def test_the_page_says_who_was_not_asked_in_the_analysts_language(
    client, versioned, make_user, sign_in, language, not_asked, offered
):
    survey_id, rows = versioned
    sign_in(make_user("analyst"))
    client.post("/language", data={"language": language, "next": "/"})
    page = client.get(f"/results/{survey_id}").get_data(as_text=True)
    assert sum(r["version"] == 1 for r in rows) == 73
    assert not_asked in page  # under "waiting", which version 1 did not have
    assert offered in page  # beside "dk", "health" and "bank"


def test_a_region_question_on_the_registry_offers_every_unit_its_list_offered():
    """Version 1 asks the region on a list of three units, version 2 (re-saved in the
    designer) on the whole registry: every unit of the list was offered in both, so its
    share rests on all the respondents, not on version 1's only (4 of 3 made 133%)."""
    from webapp.surveys.definition import Page
    from webapp.surveys.results.figures import question_coverage

    units = [Choice(code, {"en": code}) for code in ("KZ-75", "KZ-71", "KZ-79")]

    def version(region: bool, choice_lists: dict) -> SurveyDefinition:
        where = Question(
            "where", "select_one", {"en": "Region"}, choice_list="regions", region=region
        )
        return SurveyDefinition(
            form_id="where",
            title={"en": "Where"},
            languages=["en"],
            default_language="en",
            pages=[Page("main", {"en": "Main"}, None, [where])],
            choice_lists=choice_lists,
        )

    listed = version(False, {"regions": units})
    on_the_registry = version(True, {})
    narrowed = version(True, {"regions": units[:2]})
    coverage = question_coverage([(1, listed), (2, on_the_registry)])["where"]
    assert coverage.asked == {1, 2}
    assert coverage.offered == {}
    # A list that narrows the registry offers its own units only.
    coverage = question_coverage([(1, listed), (2, narrowed)])["where"]
    assert coverage.offered == {"KZ-79": frozenset({1})}


def test_a_region_list_that_narrows_the_registry_lists_only_its_units(
    app_context, regions, results_definition_factory
):
    """A region question on a list of two units: its figures list those two (named as the
    registry names them), not every unit of the registry at 0%."""
    from webapp.surveys.services.authoring import create_survey, open_survey

    definition = results_definition_factory()
    two = [Choice("KZ-10", {"en": "Abai"}), Choice("KZ-75", {"en": "Almaty city"})]
    definition = replace(definition, choice_lists={**definition.choice_lists, "region": two})
    survey = create_survey(definition, slug="narrowed")
    open_survey(survey)
    db.session.commit()
    insert(survey.id, survey.current_version_id, 1, {("KZ-10", 1): 12, ("KZ-75", 1): 8}, seed=5)
    rows = rows_of(figures_of(survey.id, "region"))
    names = {region.code: region for region in regions}
    assert {code for code in rows if code} == {"KZ-10", "KZ-75"}
    assert rows["KZ-10"]["count"] == 12 and rows["KZ-75"]["count"] == 8
    assert rows["KZ-10"]["label"] == names["KZ-10"].name("en")
