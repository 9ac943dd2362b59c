"""Figures from stored responses: counts, distributions, filters, suppression, tallies."""

from __future__ import annotations

import statistics
from collections import Counter

import numpy as np
import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyResponse
from webapp.surveys.results import services
from webapp.surveys.results.figures import Filters


def survey_of(stored) -> Survey:
    return db.session.get(Survey, stored.survey_id)


def question(summary, name):
    return next(q for q in summary["questions"] if q["name"] == name)


def rows_by_value(figures):
    return {row["value"]: row for row in figures["rows"]}


def test_analyst_counts_by_region_month_language_and_day(
    app_context, stored_survey, response_blocks
):
    summary = services.survey_summary(survey_of(stored_survey), Filters(), viewer_is_analyst=True)
    rows = stored_survey.rows
    assert summary["responses"] == len(rows) == sum(response_blocks.values())
    by_region = {row["region"]: row["count"] for row in summary["by_region"]}
    assert by_region == dict(Counter(row["region_code"] for row in rows))
    by_month = {row["month"]: row["count"] for row in summary["by_month"]}
    assert by_month == {"2026-01": 44, "2026-02": 69}
    languages = {row["language"]: row["count"] for row in summary["by_language"]["rows"]}
    assert languages == {"kk": 29, "ru": 56, "en": 28}
    days = Counter(row["submitted_at"].date().isoformat() for row in rows)  # noon local = same day
    assert {row["day"]: row["count"] for row in summary["by_day"]} == dict(days)


def test_analyst_distributions_match_the_raw_answers(app_context, stored_survey):
    summary = services.survey_summary(survey_of(stored_survey), Filters(), viewer_is_analyst=True)
    answers = [row["answers"] for row in stored_survey.rows]
    trust = rows_by_value(question(summary, "trust"))
    for code in "12345":
        expected = sum(a["trust"] == code for a in answers)
        assert trust[code]["count"] == expected
        assert trust[code]["share"] == round(100 * expected / len(answers), 1)
    assert trust["1"]["label"] == "Level 1" and trust[None]["count"] == 0
    services_figures = question(summary, "services")
    chosen = rows_by_value(services_figures)
    assert chosen["egov"]["count"] == sum("egov" in a.get("services", []) for a in answers)
    assert services_figures["answered"]["count"] == sum("services" in a for a in answers)
    household = [a["household"] for a in answers]
    figures = question(summary, "household")["summary"]
    assert figures["n"] == len(household)
    assert figures["mean"] == round(statistics.mean(household), 2)
    assert figures["median"] == round(float(np.median(household)), 2)
    assert (figures["q1"], figures["q3"]) == tuple(
        round(float(q), 2) for q in np.percentile(household, [25, 75])
    )
    visited = rows_by_value(question(summary, "visited"))
    assert set(visited) == {"2025-10", "2025-11", "2025-12", None}
    region = rows_by_value(question(summary, "region"))
    assert region["KZ-75"]["count"] == 40 and region["KZ-75"]["label"] == "Almaty city"
    comment = question(summary, "comment")
    assert comment["answered"]["count"] == sum("comment" in a for a in answers)


def test_filters_by_region_and_whole_months(app_context, stored_survey):
    survey = survey_of(stored_survey)
    summary = services.survey_summary(
        survey, Filters("KZ-10", "2026-02", "2026-02"), viewer_is_analyst=True
    )
    expected = stored_survey.responses("KZ-10", (2,))
    assert summary["responses"] == len(expected) == 25
    trust = rows_by_value(question(summary, "trust"))
    assert trust["3"]["count"] == sum(r["answers"]["trust"] == "3" for r in expected)
    with pytest.raises(services.ResultsError, match="region"):
        services.survey_summary(survey, Filters("KZ-99"), viewer_is_analyst=True)


@pytest.mark.app_config(SUPPRESSION_THRESHOLD=10)
def test_council_view_hides_small_cells_and_small_blocks(
    app_context, stored_survey, response_blocks
):
    survey = survey_of(stored_survey)
    summary = services.survey_summary(survey, Filters(), viewer_is_analyst=False)
    # The block KZ-11/February holds 4 responses: it is left out of every figure.
    assert summary["responses"] == sum(response_blocks.values()) - 4
    by_region = {row["region"]: row for row in summary["by_region"]}
    assert by_region["KZ-11"]["count"] == 14 and by_region["KZ-11"]["partial"]
    assert summary["by_day"] is None

    def published_counts(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if (
                    key in ("count", "withheld")
                    and isinstance(item, int)
                    and not isinstance(item, bool)
                ):
                    yield item
                yield from published_counts(item)
        elif isinstance(value, list):
            for item in value:
                yield from published_counts(item)

    for region in (None, "KZ-10", "KZ-11", "KZ-75"):
        for months in ((None, None), ("2026-01", "2026-01"), ("2026-02", "2026-02")):
            figures = services.survey_summary(survey, Filters(region, *months), False)
            assert all(n == 0 or n >= 10 for n in published_counts(figures)), (region, months)
    trust = rows_by_value(question(summary, "trust"))
    assert any(row["suppressed"] or row["partial"] for row in trust.values())
    question_only = services.question_distribution(survey, "trust", Filters("KZ-10"), False)
    assert question_only["protected"] and question_only["total"] == 55


def test_tallies_count_new_responses_once_and_rebuild_agrees(
    app_context, stored_survey, add_responses
):
    survey = survey_of(stored_survey)
    first = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert services.refresh_tallies(survey.id) == 0  # nothing new: nothing counted twice
    add_responses(survey.id, survey.current_version_id, {("KZ-75", 3): 12}, seed=9, start_index=500)
    assert services.pending_responses(survey) == 12
    second = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert second["responses"] == first["responses"] + 12
    assert services.pending_responses(survey) == 0
    db.session.execute(sa.delete(SurveyResponse).where(SurveyResponse.region_code == "KZ-75"))
    db.session.commit()
    assert services.rebuild_tallies(survey.id) == first["responses"] - 40
    third = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert third["responses"] == first["responses"] - 40
    assert "KZ-75" not in {row["region"] for row in third["by_region"]}


def test_a_stale_watermark_cannot_count_twice(app_context, stored_survey):
    """Two refreshers that read the same watermark: the second's compare-and-set fails."""
    from sqlalchemy.orm import Session

    from webapp.surveys.results.models import SurveyResultTally, SurveyResultWatermark

    survey = survey_of(stored_survey)
    services.refresh_tallies(survey.id)
    total = db.session.scalar(
        sa.select(sa.func.sum(SurveyResultTally.count)).where(
            SurveyResultTally.question == "trust", SurveyResultTally.value == ""
        )
    )
    with Session(db.engine) as session:
        # Pretend this refresher saw the watermark at 0: its update must match nothing.
        moved = session.execute(
            sa.update(SurveyResultWatermark)
            .where(
                SurveyResultWatermark.survey_id == survey.id,
                SurveyResultWatermark.last_response_id == 0,
            )
            .values(last_response_id=10**6)
        ).rowcount
        session.rollback()
    assert moved == 0
    assert total == len(stored_survey.rows)


def test_free_text_answers_are_filtered_and_newest_first(app_context, stored_survey):
    survey = survey_of(stored_survey)
    texts = services.free_text_answers(survey, "comment", Filters("KZ-10", "2026-01", "2026-01"))
    expected = [r for r in stored_survey.responses("KZ-10", (1,)) if "comment" in r["answers"]]
    assert len(texts) == len(expected)
    assert [t["submitted_at"] for t in texts] == sorted(
        (t["submitted_at"] for t in texts), reverse=True
    )


def test_refresh_and_rebuild_commands(app, runner, stored_survey):
    result = runner.invoke(args=["survey-results", "refresh"])
    assert result.exit_code == 0, result.output
    assert "results-test: 113 responses counted" in result.output
    again = runner.invoke(
        args=["survey-results", "refresh", "--survey", str(stored_survey.survey_id)]
    )
    assert "results-test: 0 responses counted" in again.output
    rebuilt = runner.invoke(args=["survey-results", "rebuild"])
    assert "results-test: 113 responses counted" in rebuilt.output
    missing = runner.invoke(args=["survey-results", "refresh", "--survey", "999"])
    assert missing.exit_code != 0 and "no survey with id 999" in missing.output


def test_a_snapshot_advanced_by_a_refresh_equals_one_read_afresh(
    app_context, stored_survey, add_responses
):
    """The process that counts new responses adds them to its cached snapshot instead of
    reading every tally again; the result must be the snapshot a fresh read gives."""
    survey = survey_of(stored_survey)
    before = services.load_snapshot(survey)
    plan = {("KZ-75", 2): 3, ("KZ-11", 4): 2}
    add_responses(survey.id, survey.current_version_id, plan, seed=11, start_index=700)
    assert services.refresh_tallies(survey.id) == 5
    state = services._tally_state(survey.id)
    key = (str(db.engine.url), survey.id, services._generation(state))
    advanced = services._snapshots[key]  # put there by the refresh, not by a read
    assert advanced.generation != before.generation and advanced.watermark == state[0]
    fresh = services._read_snapshot(survey.id, state)
    assert advanced.daily == fresh.daily
    assert advanced.answers == fresh.answers
    assert (
        advanced.days == fresh.days and sum(advanced.days.values()) == len(stored_survey.rows) + 5
    )
    assert services.load_snapshot(survey) is advanced
    # The earlier snapshot, shared with other threads, is left as it was.
    assert sum(sum(languages.values()) for languages in before.daily.values()) == len(
        stored_survey.rows
    )


def test_a_snapshot_is_read_afresh_when_another_process_counted(
    app_context, stored_survey, add_responses
):
    survey = survey_of(stored_survey)
    services.load_snapshot(survey)
    add_responses(survey.id, survey.current_version_id, {("KZ-10", 3): 4}, seed=12, start_index=800)
    services._snapshots.clear()  # as if another process had counted: nothing to advance
    assert services.refresh_tallies(survey.id) == 4
    assert not services._snapshots
    summary = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert summary["responses"] == len(stored_survey.rows) + 4


def _counted_elsewhere(monkeypatch, survey_id: int) -> int:
    """Count new responses as another web worker would: its cache is not this one's."""
    with monkeypatch.context() as patch:
        patch.setattr(services, "_advance_snapshot", lambda *args, **kwargs: None)
        return services.refresh_tallies(survey_id)


def _no_full_read(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("every tally row was read again")

    monkeypatch.setattr(services, "_read_snapshot", refuse)


def test_a_worker_that_did_not_count_catches_up_by_counting_the_responses_in_between(
    app_context, stored_survey, add_responses, monkeypatch
):
    """With several web workers only one counts each response; the others move their
    cached snapshot forward by the responses in between, and get what a fresh read gives."""
    survey = survey_of(stored_survey)
    before = services.load_snapshot(survey)
    plan = {("KZ-75", 2): 3, ("KZ-11", 4): 2, ("KZ-10", 1): 1}
    add_responses(survey.id, survey.current_version_id, plan, seed=21, start_index=1000)
    assert _counted_elsewhere(monkeypatch, survey.id) == 6
    state = services._tally_state(survey.id)
    fresh = services._read_snapshot(survey.id, state)
    with monkeypatch.context() as patch:
        _no_full_read(patch)
        caught_up = services.load_snapshot(survey, refresh=False)
    assert caught_up.generation == fresh.generation and caught_up.watermark == state.watermark
    assert caught_up.daily == fresh.daily
    assert caught_up.answers == fresh.answers
    assert caught_up.days == fresh.days
    assert sum(caught_up.days.values()) == len(stored_survey.rows) + 6
    assert sum(before.days.values()) == len(stored_survey.rows)  # the old one is untouched
    summary = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert summary["responses"] == len(stored_survey.rows) + 6


def test_no_catching_up_across_a_rebuild_after_deletions(
    app_context, stored_survey, add_responses, monkeypatch
):
    survey = survey_of(stored_survey)
    before = services.load_snapshot(survey)
    # KZ-11's responses are not the newest, so new ids stay above the old watermark on
    # SQLite too (it reuses the largest ids once they are deleted).
    deleted = sum(row["region_code"] == "KZ-11" for row in stored_survey.rows)
    db.session.execute(sa.delete(SurveyResponse).where(SurveyResponse.region_code == "KZ-11"))
    db.session.commit()
    with monkeypatch.context() as patch:  # another worker rebuilds and counts on
        patch.setattr(services, "_forget_snapshots", lambda survey_id: None)
        patch.setattr(services, "_advance_snapshot", lambda *args, **kwargs: None)
        services.rebuild_tallies(survey.id)
        add_responses(survey.id, survey.current_version_id, {("KZ-10", 3): 2}, seed=22,
                      start_index=1100)  # fmt: skip
        assert services.refresh_tallies(survey.id) == 2
    # The new count is past the old snapshot, which a careless catch-up would start from.
    assert services._tally_state(survey.id).watermark > before.watermark
    snapshot = services.load_snapshot(survey, refresh=False)
    assert sum(snapshot.days.values()) == len(stored_survey.rows) - deleted + 2
    assert "KZ-11" not in {region for region, _day in snapshot.days}


def test_a_large_gap_is_read_afresh(app_context, stored_survey, add_responses, monkeypatch):
    survey = survey_of(stored_survey)
    services.load_snapshot(survey)
    add_responses(survey.id, survey.current_version_id, {("KZ-10", 3): 3}, seed=23,
                  start_index=1200)  # fmt: skip
    _counted_elsewhere(monkeypatch, survey.id)
    monkeypatch.setattr(services, "CATCH_UP_LIMIT", 2)
    _no_full_read(monkeypatch)
    with pytest.raises(AssertionError, match="every tally row was read again"):
        services.load_snapshot(survey, refresh=False)


def test_free_text_skips_blank_answers_past_a_page(app_context, stored_survey, add_responses):
    """Only answered texts are fetched, a page at a time; spaces-only answers are skipped."""
    survey = survey_of(stored_survey)
    newest = add_responses(
        survey.id, survey.current_version_id, {("KZ-10", 5): 6}, seed=13, start_index=900
    )
    db.session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.submission_id.in_([row["submission_id"] for row in newest]))
        .values(answers={"comment": "   "})
    )
    db.session.commit()
    texts = services.free_text_answers(survey, "comment", Filters("KZ-10"), limit=3)
    expected = sorted(
        (r for r in stored_survey.responses("KZ-10") if "comment" in r["answers"]),
        key=lambda r: r["submitted_at"],
        reverse=True,
    )
    assert [t["text"] for t in texts] == [r["answers"]["comment"] for r in expected[:3]]
    assert [t["submitted_at"] for t in texts] == [r["submitted_at"] for r in expected[:3]]


def test_responses_by_language_lists_the_survey_languages_only(app_context, regions, add_responses):
    """A form in Kazakh and Russian only listed English with 0 responses."""
    from webapp.surveys.definition import Page, Question, SurveyDefinition
    from webapp.surveys.services.authoring import create_survey, open_survey

    region = Question(
        "region", "select_one", {"kk": "Өңір", "ru": "Регион"}, choice_list="region", region=True
    )
    definition = SurveyDefinition(
        form_id="kk_ru_only",
        title={"kk": "Сауалнама", "ru": "Опрос"},
        languages=["kk", "ru"],
        default_language="kk",
        pages=[Page("main", {"kk": "Сұрақтар", "ru": "Вопросы"}, None, [region])],
        choice_lists={},
    )
    survey = create_survey(definition, slug="kk-ru-only")
    open_survey(survey)
    db.session.commit()
    add_responses(survey.id, survey.current_version_id, {("KZ-10", 1): 12})
    # The helper spreads languages over kk, ru and en; this form has no English.
    db.session.execute(
        sa.update(SurveyResponse).where(SurveyResponse.language == "en").values(language="kk")
    )
    db.session.commit()
    summary = services.survey_summary(survey, Filters(), viewer_is_analyst=True)
    assert [row["language"] for row in summary["by_language"]["rows"]] == ["kk", "ru"]
