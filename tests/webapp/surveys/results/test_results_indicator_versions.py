"""Indicators of a survey answered in two versions, from stored responses: a share of a
choice that only some versions offered rests on the answerers of those versions, through
refresh, the cached snapshot moved forward, a rebuild and the migration that adds the count.

The survey is ``test_results_versions``'s: version 2 added "dk" to ``trust``, removed
"health" from and added "bank" to the multiple-choice ``services``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.webapp.surveys.results import test_results_versions as two_versions
from webapp.extensions import db
from webapp.surveys.models import Survey
from webapp.surveys.results import services
from webapp.surveys.results.indicators import MappingError, wilson_interval

insert, second_version = two_versions.insert, two_versions.second_version
#: The fixture of a survey answered in two versions: (survey id, rows with their version).
versioned = two_versions.versioned

MAPPINGS = (
    ("survey_trust_dk", "trust", ["dk"]),  # version 2 only
    ("survey_trust_low", "trust", ["1", "2"]),  # both versions
    ("survey_uses_bank", "services", ["bank"]),  # version 2 only
    ("survey_uses_health", "services", ["health"]),  # version 1 only
)
#: Which versions offered each mapping's code(s).
OFFERED_BY = {
    "survey_trust_dk": {2},
    "survey_trust_low": {1, 2},
    "survey_uses_bank": {2},
    "survey_uses_health": {1},
}


def map_all(survey: Survey) -> None:
    for indicator, question, codes in MAPPINGS:
        services.add_mapping(survey, indicator, question, "share", codes)
    db.session.commit()


def expected(rows: list[dict]) -> dict[tuple[str, str, str], tuple[int, float]]:
    """(indicator, region, month) -> (n, percent) worked out from the responses themselves:
    answerers of the question whose version offered the code(s)."""
    out = {}
    blocks = {(r["region_code"], r["submitted_at"].strftime("%Y-%m")) for r in rows}
    for indicator, question, codes in MAPPINGS:
        for region, month in blocks:
            answered = [
                r
                for r in rows
                if (r["region_code"], r["submitted_at"].strftime("%Y-%m")) == (region, month)
                and r["version"] in OFFERED_BY[indicator]
                and r["answers"].get(question) not in (None, "", [])
            ]
            if not answered:
                continue
            hits = sum(
                any(code in _codes(r["answers"][question]) for code in codes) for r in answered
            )
            out[(indicator, region, month)] = (len(answered), 100 * hits / len(answered))
    return out


def _codes(value) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def observed(survey: Survey) -> dict[tuple[str, str, str], tuple[float, float, float, float]]:
    frame = services.survey_indicator_observations([survey], frequency="M")
    return {
        (row.indicator, row.region, str(row.period)): (row.n, row.value, row.lower, row.upper)
        for row in frame.itertuples()
    }


def assert_matches(found, wanted) -> None:
    assert set(found) == set(wanted)
    for key, (n, value) in wanted.items():
        got_n, got_value, lower, upper = found[key]
        assert got_n == n, key
        assert got_value == pytest.approx(value), key
        hits = round(value * n / 100)
        assert (lower, upper) == pytest.approx(wilson_interval(hits, n), abs=1e-9), key


def test_shares_of_choices_some_versions_lacked_rest_on_the_answerers_offered_them(
    app_context, versioned
):
    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    map_all(survey)
    found = observed(survey)
    assert_matches(found, expected(rows))
    # KZ-10 in February was answered in both versions (20 each): "dk" rests on version 2's
    # answerers of trust only, not on all 40.
    version_2 = [
        r
        for r in rows
        if r["region_code"] == "KZ-10" and r["submitted_at"].month == 2 and r["version"] == 2
    ]
    assert found[("survey_trust_dk", "KZ-10", "2026-02")][0] == len(version_2) == 20
    assert found[("survey_trust_low", "KZ-10", "2026-02")][0] == 40
    # Version 1 never offered "bank": no observation where only version 1 answered.
    assert ("survey_uses_bank", "KZ-10", "2026-01") not in found
    assert ("survey_uses_health", "KZ-75", "2026-03") not in found


def test_quarterly_shares_sum_the_offered_answerers_of_their_months(app_context, versioned):
    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    map_all(survey)
    frame = services.survey_indicator_observations([survey], frequency="Q")
    row = frame[(frame.indicator == "survey_trust_dk") & (frame.region == "KZ-10")].iloc[0]
    offered = [r for r in rows if r["region_code"] == "KZ-10" and r["version"] == 2]
    dk = sum(r["answers"]["trust"] == "dk" for r in offered)
    assert row.period == pd.Period("2026Q1", "Q")
    assert (row.n, row.value) == (len(offered), pytest.approx(100 * dk / len(offered)))


def test_moved_forward_and_rebuilt_counts_give_the_same_indicators(app_context, versioned):
    """The answerers per version go through the same machinery as the other counts: the
    refresh, this process's cached snapshot moved forward, and a rebuild."""
    survey_id, rows = versioned
    survey = db.session.get(Survey, survey_id)
    map_all(survey)
    observed(survey)  # caches the snapshot that the next refresh moves forward
    rows += insert(survey_id, survey.current_version_id, 2, {("KZ-10", 2): 15}, seed=21)
    moved = observed(survey)
    assert_matches(moved, expected(rows))
    assert services.rebuild_tallies(survey_id) == len(rows)
    rebuilt = observed(survey)
    assert set(rebuilt) == set(moved)
    for key, figures in moved.items():
        assert rebuilt[key] == pytest.approx(figures), key


def test_a_mapping_of_codes_no_version_offered_together_is_refused(
    app_context, regions, results_definition_factory
):
    """Version 2 replaced "5" by "dk": a share of "5 or dk" would rest on nobody."""
    from dataclasses import replace

    from webapp.surveys.definition import Choice
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    first = results_definition_factory()
    survey = create_survey(first, slug="replaced-choice")
    open_survey(survey)
    db.session.commit()
    likert = [c for c in first.choice_lists["likert"] if c.name != "5"]
    lists = {**first.choice_lists, "likert": [*likert, Choice("dk", {"en": "Don't know"})]}
    add_version(survey, replace(first, choice_lists=lists))
    db.session.commit()
    services.add_mapping(survey, "survey_trust_low", "trust", "share", ["1", "dk"])
    with pytest.raises(MappingError, match=r"^codes: no version of the survey offered all"):
        services.add_mapping(survey, "survey_trust_high", "trust", "share", ["5", "dk"])


def test_the_migration_fills_single_version_answerers_and_recounts_the_others(
    app, results_definition_factory
):
    """Upgrading: a one-version survey's answerers per version come from its tallies; a
    survey of several versions is counted again, all its counts removed (the version counts
    too, or the recount would add to them)."""
    from flask_migrate import upgrade

    from webapp.database import all_metadata
    from webapp.surveys.services.authoring import add_version, create_survey, open_survey

    with app.app_context():
        with db.engine.begin() as connection:
            for metadata in all_metadata():
                metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="e4b9c2d7a1f3")
        single = create_survey(results_definition_factory(), slug="one-version")
        several = create_survey(results_definition_factory(), slug="two-versions")
        open_survey(several)
        db.session.flush()
        add_version(several, second_version(results_definition_factory()))
        db.session.commit()
        for survey_id in (single.id, several.id):
            for question, value, count in (("trust", "", 7), ("trust", "5", 4), ("age", "", 6)):
                db.session.execute(
                    sa.text(
                        "INSERT INTO survey_result_tallies "
                        "(survey_id, question, value, region_code, month, count) "
                        "VALUES (:s, :q, :v, 'KZ-10', '2026-01', :n)"
                    ),
                    {"s": survey_id, "q": question, "v": value, "n": count},
                )
            db.session.execute(
                sa.text(
                    "INSERT INTO survey_result_version_counts "
                    "(survey_id, survey_version_id, region_code, month, count) "
                    "SELECT :s, current_version_id, 'KZ-10', '2026-01', 7 FROM surveys "
                    "WHERE id = :s"
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
        answerers = db.session.execute(
            sa.text(
                "SELECT survey_id, question, survey_version_id, region_code, month, count "
                "FROM survey_result_version_answers ORDER BY question"
            )
        ).all()
        assert [tuple(row) for row in answerers] == [
            (single_id, "age", version_id, "KZ-10", "2026-01", 6),
            (single_id, "trust", version_id, "KZ-10", "2026-01", 7),
        ]
        for table in (
            "survey_result_tallies",
            "survey_result_version_counts",
            "survey_result_watermarks",
        ):
            counts = dict(
                db.session.execute(
                    sa.text(f"SELECT survey_id, COUNT(*) FROM {table} GROUP BY survey_id")
                ).all()
            )
            assert several_id not in counts and counts[single_id] >= 1, table
