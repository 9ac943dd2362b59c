"""The designer's edits on a definition, without HTTP: each is checked as an upload is, its
problems placed beside the field they are about, and the result saved by the upload's path."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from tests.webapp.surveys.surveys_support import make_survey, xlsx_bytes
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.surveys.definition import definition_from_json, definition_to_json
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.services import designing as design
from webapp.surveys.xlsform import export_xlsform, import_xlsform

Q = design.QuestionInput


@pytest.fixture
def wellbeing(app_context):
    return import_xlsform(xlsx_bytes())


def refusal(call, *args, **kwargs) -> design.DesignRefused:
    with pytest.raises(design.DesignRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_new_survey_needs_valid_settings_and_a_first_question(app_context):
    definition = design.new_definition(
        form_id="town_poll",
        title={"kk": "Сауалнама", "ru": "Опрос", "en": " Town poll "},
        languages=["kk", "ru", "en"],
        default_language="kk",
        page=design.PageInput(name="page_1"),
        question=Q(name="comment", type="text", label={"en": "Comment", "ru": ""}),
    )
    assert definition.title["en"] == "Town poll"
    assert definition.question("comment").label == {"en": "Comment"}  # blanks are no text
    bad = refusal(
        design.new_definition,
        form_id="1 poll",
        title={"en": "Poll"},
        languages=["en"],
        default_language="kk",
        page=design.PageInput(name="page_1"),
        question=Q(name="bad name", type="text"),
    )
    assert len(bad.fields["form_id"]) == 1 and "'1 poll'" in bad.fields["form_id"][0]
    assert len(bad.fields["default_language"]) == 1
    assert "default_language 'kk'" in bad.fields["default_language"][0]
    assert bad.fields["name"] == ["question name 'bad name' is not a valid name"]


def test_question_problems_are_placed_beside_their_fields(wellbeing):
    bad = refusal(
        design.save_question,
        wellbeing,
        Q(
            name="age",
            type="integer",
            label={"en": "Age"},
            relevant="${nowhere} = 1",
            constraint=". >",
            default="old",
        ),
        page="about",
        original="age",
    )
    assert set(bad.fields) == {"relevant", "constraint", "default"}
    assert "unknown question ${nowhere}" in bad.fields["relevant"][0]
    assert "ends too early" in bad.fields["constraint"][0]
    assert "'old'" in bad.fields["default"][0]
    assert sorted(bad.problems) == sorted(p for found in bad.fields.values() for p in found)

    duplicate = refusal(
        design.save_question, wellbeing, Q(name="employed", type="text"), page="work"
    )
    assert duplicate.fields == {"name": ["duplicate name 'employed' (question)"]}
    no_list = refusal(
        design.save_question, wellbeing, Q(name="colour", type="select_one"), page="work"
    )
    assert "without a choice list" in no_list.fields["choice_list"][0]
    unknown_list = refusal(
        design.save_question,
        wellbeing,
        Q(name="colour", type="select_multiple", choice_list="colours"),
        page="work",
    )
    assert "'colours', which does not exist" in unknown_list.fields["choice_list"][0]
    bad_range = refusal(
        design.save_question,
        wellbeing,
        Q(name="score", type="range", parameters={"start": "10", "end": "1", "step": "1"}),
        page="work",
    )
    assert list(bad_range.fields) == ["range"]
    required_note = refusal(
        design.save_question, wellbeing, Q(name="intro", type="note", required=True), page="work"
    )
    assert "is a note" in required_note.fields["required"][0]


def test_expressions_are_parsed_never_evaluated(wellbeing):
    bad = refusal(
        design.save_question,
        wellbeing,
        Q(name="age", type="integer", constraint="__import__('os').system('true')"),
        page="about",
        original="age",
    )
    assert list(bad.fields) == ["constraint"]


def test_adding_editing_and_moving_questions_keeps_what_the_form_does_not_show(wellbeing):
    with_filter = design._replace_question(
        wellbeing,
        "topics",
        lambda q: q.__class__(**{**q.to_dict(), "appearance": "minimal", "label": q.label}),
    )
    edited = design.save_question(
        with_filter,
        Q(name="topics", type="select_multiple", choice_list="topics", label={"en": "Themes"}),
        page="work",
        original="topics",
    )
    topics = edited.question("topics")
    assert topics.appearance == "minimal" and topics.label == {"en": "Themes"}
    added = design.save_question(
        edited,
        Q(
            name="score",
            type="range",
            label={"kk": "Баға", "ru": "Оценка", "en": "Score"},
            required=True,
            parameters={"start": "0", "end": "5", "step": ""},
        ),
        page="about",
    )
    assert [q.name for q in added.page("about").questions] == ["region", "age", "score"]
    assert added.question("score").parameters == {"start": "0", "end": "5"}
    moved = design.move_question(added, "score", "up")
    assert [q.name for q in moved.page("about").questions] == ["region", "score", "age"]
    assert design.move_question(moved, "region", "up") == moved  # already first
    elsewhere = design.save_question(
        moved, Q(name="score", type="integer"), page="work", original="score"
    )
    assert [q.name for q in elsewhere.page("work").questions][-1] == "score"
    assert elsewhere.question("score").parameters == {}  # not a range any more
    on_new_page = design.save_question(
        elsewhere,
        Q(name="last", type="text", label={"en": "Anything else?"}),
        page="",
        new_page=design.PageInput(name="end", label={"en": "The end"}),
    )
    assert on_new_page.pages[-1].name == "end" and on_new_page.page("end").label == {
        "en": "The end"
    }
    clash = refusal(
        design.save_question,
        elsewhere,
        Q(name="last", type="text"),
        page="",
        new_page=design.PageInput(name="work"),
    )
    assert "page_name" in clash.fields


def test_renaming_a_question_updates_the_references_to_it(wellbeing):
    piped = design.save_question(
        wellbeing,
        Q(
            name="trust",
            type="select_one",
            choice_list="rating5",
            label={"en": "Trust ${employed}"},
        ),
        page="work",
        original="trust",
    )
    renamed = design.save_question(
        piped,
        Q(name="works", type="select_one", choice_list="yesno", label={"en": "Do you work?"}),
        page="work",
        original="employed",
    )
    assert renamed.question("employer").relevant == "${works} = 'yes'"
    assert renamed.question("trust").label == {"en": "Trust ${works}"}


def test_renaming_a_question_updates_the_calculations_that_use_it(wellbeing):
    """An imported form's calculate rows (``Total: ${hh_total}`` in a label) refer to
    answers as conditions do; renaming one of those questions was refused because the
    calculation still named the old question."""
    calculated = dataclasses.replace(
        wellbeing,
        calculations={"works_flag": "if(${employed} = 'yes', 1, 0)"},
        pages=[
            dataclasses.replace(
                page,
                questions=[
                    dataclasses.replace(q, hint={"en": "Flag: ${works_flag}"})
                    if q.name == "employer"
                    else q
                    for q in page.questions
                ],
            )
            for page in wellbeing.pages
        ],
    )
    assert design.problems_of(calculated) == []
    renamed = design.save_question(
        calculated,
        Q(name="works", type="select_one", choice_list="yesno", label={"en": "Do you work?"}),
        page="work",
        original="employed",
    )
    assert renamed.calculations == {"works_flag": "if(${works} = 'yes', 1, 0)"}
    assert renamed.question("employer").hint == {"en": "Flag: ${works_flag}"}


def test_deleting_refuses_to_leave_dangling_references_or_empty_pages(wellbeing):
    used = refusal(design.delete_question, wellbeing, "employed")
    assert used.fields == {
        "": ["question 'employer' relevant refers to unknown question ${employed}"]
    }
    assert [q.name for q in design.delete_question(wellbeing, "topics").questions()][-1] == "trust"
    only_page = refusal(design.delete_page, design.delete_page(wellbeing, "work"), "about")
    assert "the survey has no pages" in only_page.problems
    swapped = design.move_page(wellbeing, "work", "up")
    assert [page.name for page in swapped.pages] == ["work", "about"]
    missing = refusal(design.delete_question, wellbeing, "nobody")
    assert "reload the page" in missing.problems[0]


def test_pages_are_renamed_and_conditioned(wellbeing):
    edited = design.save_page(
        wellbeing,
        design.PageInput(name="job", label={"en": "Your job"}, relevant="${age} >= 16"),
        "work",
    )
    assert edited.page("job").relevant == "${age} >= 16"
    assert edited.page("job").questions[0].name == "employed"
    bad = refusal(
        design.save_page, wellbeing, design.PageInput(name="job", relevant=". > 1"), "work"
    )
    assert list(bad.fields) == ["relevant"]


def test_choice_lists_are_edited_shared_renamed_and_kept_while_used(wellbeing):
    rows = [
        design.ChoiceInput("no", {"en": "No"}, 1),
        design.ChoiceInput("yes", {"en": "Yes", "kk": "Иә"}, 0),
        design.ChoiceInput("maybe", {"en": "Maybe"}),
        design.ChoiceInput("", {"en": " "}),  # a blank row of the form
    ]
    edited = design.save_choice_list(wellbeing, "answer", rows, original="yesno")
    assert [c.name for c in edited.choice_lists["answer"]] == ["no", "yes", "maybe"]
    assert list(edited.choice_lists) == ["answer", "rating5", "topics"]  # same place
    assert edited.question("employed").choice_list == "answer"
    shared = design.save_question(
        edited, Q(name="again", type="select_one", choice_list="answer"), page="work"
    )
    assert design.list_users(shared, "answer") == ["employed", "again"]
    duplicate = refusal(
        design.save_choice_list,
        wellbeing,
        "yesno",
        [design.ChoiceInput("yes", {}, 0), design.ChoiceInput("yes", {}, 1)],
        original="yesno",
    )
    assert list(duplicate.fields) == ["choice-1"]
    spaced = refusal(
        design.save_choice_list, wellbeing, "extra", [design.ChoiceInput("a b", {"en": "A B"})]
    )
    assert list(spaced.fields) == ["choice-0"]
    empty = refusal(design.save_choice_list, wellbeing, "extra", [])
    assert "choice list 'extra' has no choices" in empty.problems
    taken = refusal(design.save_choice_list, wellbeing, "topics", [design.ChoiceInput("a")])
    assert list(taken.fields) == ["name"]
    in_use = refusal(design.delete_choice_list, wellbeing, "yesno")
    assert "which does not exist" in in_use.problems[0]
    unused = design.save_choice_list(wellbeing, "extra", [design.ChoiceInput("a", {"en": "A"})])
    assert "extra" not in design.delete_choice_list(unused, "extra").choice_lists


def test_choice_filters_survive_an_edit_of_their_list(wellbeing):
    import dataclasses

    with_filters = dataclasses.replace(
        wellbeing,
        choice_lists={
            **wellbeing.choice_lists,
            "topics": [
                dataclasses.replace(choice, filters={"group": "g"})
                for choice in wellbeing.choice_lists["topics"]
            ],
        },
    )
    edited = design.save_choice_list(
        with_filters,
        "topics",
        [design.ChoiceInput("jobs", {"en": "Work"}, 1), design.ChoiceInput("new", {"en": "New"})],
        original="topics",
    )
    assert [c.filters for c in edited.choice_lists["topics"]] == [{"group": "g"}, {}]


def test_taking_a_language_off_drops_its_texts(wellbeing):
    edited = design.update_settings(
        wellbeing,
        form_id="wellbeing",
        title={"kk": "Әл-ауқат", "ru": "Благополучие", "en": ""},
        languages=["kk", "ru"],
        default_language="ru",
    )
    assert edited.languages == ["kk", "ru"] and "en" not in edited.question("age").label
    assert all("en" not in c.label for c in edited.choice_lists["yesno"])
    bad = refusal(
        design.update_settings,
        wellbeing,
        form_id="wellbeing",
        title={},
        languages=[],
        default_language="kk",
    )
    assert "languages must list at least one language code" in bad.problems


def test_a_designed_survey_round_trips_through_xlsform_and_json(wellbeing):
    designed = design.new_definition(
        form_id="designed",
        title={"kk": "Жоба", "ru": "Проект", "en": "Draft"},
        languages=["kk", "ru", "en"],
        default_language="ru",
        page=design.PageInput(name="page_1"),
        question=Q(name="intro", type="note", label={"en": "Welcome", "ru": "Привет"}),
    )
    designed = design.save_choice_list(
        designed,
        "yesno",
        [
            design.ChoiceInput("yes", {"kk": "Иә", "ru": "Да", "en": "Yes"}),
            design.ChoiceInput("no", {"kk": "Жоқ", "ru": "Нет", "en": "No"}),
        ],
    )
    for question in (
        Q(name="works", type="select_one", choice_list="yesno", required=True, default="no"),
        Q(name="many", type="select_multiple", choice_list="yesno", hint={"en": "Tick"}),
        Q(
            name="age",
            type="integer",
            constraint=". >= 18",
            constraint_message={"ru": "Вам должно быть 18", "en": "At least 18"},
            relevant="${works} = 'yes'",
        ),
        Q(name="income", type="decimal", default="1.5"),
        Q(name="when", type="date"),
        Q(name="agree", type="acknowledge", label={"en": "I agree"}),
        Q(name="score", type="range", parameters={"start": "0", "end": "10", "step": "2"}),
    ):
        designed = design.save_question(designed, question, page="page_1")
    designed = design.save_question(
        designed,
        Q(name="why", type="text", label={"en": "Why?"}),
        page="",
        new_page=design.PageInput("more", {"en": "More"}, relevant="${age} > 20"),
    )
    assert import_xlsform(export_xlsform(designed)) == designed
    assert definition_from_json(definition_to_json(designed)) == designed


def test_saving_follows_the_version_rule_and_is_audited(app, make_user, regions):
    analyst = make_user("analyst")
    draft_id = make_survey(app, open_it=False, slug="draft-one")
    open_id = make_survey(app, open_it=True, slug="open-one")
    with app.app_context():
        actor = db.session.merge(analyst)
        survey = db.session.get(Survey, draft_id)
        edited = design.delete_question(survey.current_version.load(), "topics")
        assert not design.editing_makes_new_version(survey)
        version = design.save_design(survey, edited, actor=actor, change={"change": "x"})
        db.session.commit()
        assert version.number == 1 and len(survey.versions) == 1  # a draft: in place
        assert survey.current_version.load() == edited

        opened = db.session.get(Survey, open_id)
        first = opened.current_version
        assert design.editing_makes_new_version(opened)
        edited = design.delete_question(first.load(), "topics")
        version = design.save_design(opened, edited, actor=actor, change={"change": "y"})
        db.session.commit()
        # open: a working copy of version 2, not live until its changes are published
        assert version.number == 2 and version.published_at is None
        assert opened.current_version_id == first.id
        assert "topics" in {q.name for q in first.load().questions()}  # version 1 unchanged
        assert version.source_filename == design.DESIGNER_SOURCE
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.target_id == str(open_id))
        ).all()
        assert actions.count("survey.working_copy") == 1 and actions.count("survey.design") == 1
        event = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "survey.design")
            .order_by(AuditEvent.id.desc())
        )
        assert event.details == {"version": 2, "change": "y"} and event.actor_id == analyst.id


def test_an_answered_version_is_never_changed_even_if_not_marked_published(app, regions):
    survey_id = make_survey(app, open_it=False, slug="answered")
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        version = survey.current_version
        db.session.add(
            SurveyResponse(
                survey_id=survey.id,
                survey_version_id=version.id,
                submission_id="00000000-0000-4000-8000-000000000001",
                content_hash="0" * 64,
                language="en",
                answers={"age": 30},
            )
        )
        db.session.commit()
        assert design.editing_makes_new_version(survey)
        edited = design.delete_question(version.load(), "topics")
        new = design.save_design(survey, edited, actor=None, change={"change": "z"})
        db.session.commit()
        assert new.number == 2 and version.published_at is not None
        numbers = db.session.scalars(
            sa.select(SurveyVersion.number).where(SurveyVersion.survey_id == survey_id)
        ).all()
        assert sorted(numbers) == [1, 2]
        response = db.session.scalar(sa.select(SurveyResponse))
        assert response.survey_version_id == version.id
        assert "topics" in {q.name for q in version.load().questions()}


def test_the_preview_follows_the_respondent_rules_without_storing(wellbeing, regions):
    form = MultiDict({"answer-region": "KZ-75", "answer-age": "12"})
    today = dt.date(2026, 1, 1)
    step = design.preview_step(wellbeing, 0, {}, form, "next", "en", today)
    assert step.page_index == 0 and set(step.errors) == {"age"}
    form = MultiDict({"answer-region": "KZ-75", "answer-age": "40"})
    step = design.preview_step(wellbeing, 0, {}, form, "next", "en", today)
    assert step.page_index == 1 and step.answers == {"region": "KZ-75", "age": "40"}
    back = design.preview_step(wellbeing, 1, step.answers, MultiDict(), "back", "en", today)
    assert back.page_index == 0
    last = MultiDict({"answer-employed": "no", "answer-trust": "4"})
    done = design.preview_step(wellbeing, 1, step.answers, last, "next", "en", today)
    assert done.page_index is None and done.errors == {}
    assert design.preview_answers('{"age": "40", "bad": 3}') == {"age": "40"}
    assert design.preview_answers("not json") == {} and design.preview_answers("[1]") == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0
