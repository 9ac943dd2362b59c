"""Server-side answer validation: visibility, coercion, required, choices, constraints."""

import datetime as dt

import pytest

from webapp.surveys.answers import (
    AnswerError,
    available_choices,
    coerce_answer,
    validate_answers,
    visible_questions,
)
from webapp.surveys.definition import Question, SurveyDefinition

TODAY = dt.date(2026, 11, 27)
REGIONS = ["KZ-71", "KZ-75", "KZ-79"]


def q(name, type_, **extra):
    return {"name": name, "type": type_, **extra}


@pytest.fixture
def definition():
    return SurveyDefinition.from_dict(
        {
            "form_id": "answers_demo",
            "title": {"en": "Demo"},
            "languages": ["kk", "ru", "en"],
            "default_language": "en",
            "pages": [
                {
                    "name": "start",
                    "label": {},
                    "relevant": None,
                    "questions": [
                        q("consent", "acknowledge", required=True),
                        q("region", "select_one", choice_list="region", region=True, required=True),
                        q(
                            "district",
                            "select_one",
                            choice_list="districts",
                            choice_filter="region = ${region}",
                        ),
                        q(
                            "age_group",
                            "select_one",
                            choice_list="age",
                            required=True,
                            required_message={"ru": "Укажите возраст", "en": "Give your age"},
                        ),
                        q(
                            "household",
                            "integer",
                            constraint=". >= 1 and . <= 20",
                            constraint_message={"kk": "1-ден 20-ға дейін", "en": "1 to 20"},
                        ),
                        q("born", "date", constraint=". <= today()"),
                        q("income", "decimal"),
                    ],
                },
                {
                    "name": "youth",
                    "label": {},
                    "relevant": "${age_group} = '18_29'",
                    "questions": [
                        q("status", "select_one", choice_list="status", required=True),
                        q("neet_reason", "text", relevant="${status} = 'neither'", required=True),
                    ],
                },
                {
                    "name": "opinions",
                    "label": {},
                    "relevant": None,
                    "questions": [
                        q("trust", "range", parameters={"start": "1", "end": "5", "step": "1"}),
                        q("score", "range", parameters={"start": "0", "end": "1", "step": "0.25"}),
                        q("services", "select_multiple", choice_list="services"),
                        q(
                            "services_other",
                            "text",
                            relevant="selected(${services}, 'other')",
                            required=True,
                        ),
                        q("info", "note"),
                    ],
                },
            ],
            "choice_lists": {
                "districts": [
                    {"name": "medeu", "filters": {"region": "KZ-75"}},
                    {"name": "yesil", "filters": {"region": "KZ-71"}},
                ],
                "age": [{"name": "18_29"}, {"name": "30_44"}],
                "status": [{"name": "studying"}, {"name": "neither"}],
                "services": [{"name": "health"}, {"name": "tax"}, {"name": "other"}],
            },
            "settings": {},
        }
    )


def check(definition, page, raw, **kwargs):
    return validate_answers(definition, page, raw, today=TODAY, region_codes=REGIONS, **kwargs)


def test_valid_page_is_coerced_to_json_friendly_types(definition):
    clean, errors = check(
        definition,
        "start",
        {
            "consent": "OK",
            "region": "KZ-75",
            "district": "medeu",
            "age_group": "30_44",
            "household": " 4 ",
            "born": "1990-02-03",
            "income": "1234,5",
        },
    )
    assert errors == {}
    assert clean == {
        "consent": "OK",
        "region": "KZ-75",
        "district": "medeu",
        "age_group": "30_44",
        "household": 4,
        "born": "1990-02-03",
        "income": 1234.5,
    }


def test_required_uses_form_message_in_respondent_language(definition):
    _, errors = check(definition, "start", {"consent": "OK", "region": "KZ-75"}, language="ru")
    assert errors["age_group"] == AnswerError(
        code="required", message="Укажите возраст", from_form=True
    )
    _, errors = check(definition, "start", {"consent": "OK", "region": "KZ-75"}, language="kk")
    assert errors["age_group"].message == "Give your age"  # kk missing: default en


def test_acknowledge_must_be_confirmed(definition):
    _, errors = check(definition, "start", {"region": "KZ-75", "age_group": "30_44"})
    assert errors["consent"].code == "acknowledge"
    _, errors = check(
        definition, "start", {"consent": "no", "region": "KZ-75", "age_group": "30_44"}
    )
    assert errors["consent"].code == "acknowledge"


@pytest.mark.parametrize(
    ("name", "raw", "code"),
    [
        ("household", "four", "not_integer"),
        ("household", "4.5", "not_integer"),
        ("income", "1e400", "not_decimal"),
        ("born", "03.02.1990", "not_date"),
        ("born", "2026-02-30", "not_date"),
        ("age_group", "65_plus", "not_in_choices"),
        ("age_group", ["18_29", "30_44"], "one_choice_only"),
        ("region", "KZ-11", "not_in_choices"),  # not in the registry codes given
        ("district", "yesil", "not_in_choices"),  # filtered out by choice_filter
    ],
)
def test_wrong_values_are_reported_with_stable_codes(definition, name, raw, code):
    raw_values = {"consent": "OK", "region": "KZ-75", "age_group": "30_44", name: raw}
    clean, errors = check(definition, "start", raw_values)
    assert errors[name].code == code
    assert errors[name].message  # default English text for the integrator to translate
    assert name not in clean


def test_constraint_message_and_default(definition):
    base = {"consent": "OK", "region": "KZ-75", "age_group": "30_44"}
    _, errors = check(definition, "start", {**base, "household": "21"}, language="kk")
    assert errors["household"] == AnswerError(
        code="constraint", message="1-ден 20-ға дейін", from_form=True
    )
    _, errors = check(definition, "start", {**base, "born": "2027-01-01"})
    assert errors["born"].code == "constraint"
    assert not errors["born"].from_form


def test_range_bounds_and_step(definition):
    clean, errors = check(definition, "opinions", {"trust": "3", "score": "0.75"})
    assert errors == {}
    assert clean["trust"] == 3 and isinstance(clean["trust"], int)
    assert clean["score"] == 0.75
    _, errors = check(definition, "opinions", {"trust": "6", "score": "0.3"})
    assert errors["trust"].code == "out_of_range"
    assert errors["trust"].params == {"minimum": "1", "maximum": "5"}
    assert errors["score"].code == "off_step"


def test_hidden_questions_are_not_required_and_their_answers_dropped(definition):
    # Age 30-44: the youth page is hidden, so its required questions do not apply and
    # an answer posted anyway is dropped.
    raw = {"age_group": "30_44", "status": "neither", "neet_reason": "no jobs nearby"}
    clean, errors = check(definition, "youth", raw)
    assert clean == {}
    assert errors == {}


def test_visible_page_requires_its_questions(definition):
    clean, errors = check(definition, "youth", {"age_group": "18_29", "status": "neither"})
    assert clean == {"status": "neither"}
    assert errors["neet_reason"].code == "required"
    clean, errors = check(definition, "youth", {"age_group": "18_29", "status": "studying"})
    assert errors == {}
    assert clean == {"status": "studying"}


def test_hiddenness_propagates_through_dependencies(definition):
    # status = neither would show neet_reason, but status itself is hidden (age 30-44),
    # so neet_reason sees an empty status and is hidden too.
    values = {"age_group": "30_44", "status": "neither", "neet_reason": "x"}
    visible = visible_questions(definition, values, today=TODAY)
    assert "status" not in visible
    assert "neet_reason" not in visible
    visible = visible_questions(definition, {**values, "age_group": "18_29"}, today=TODAY)
    assert {"status", "neet_reason"} <= visible


def test_select_multiple_relevance_and_other_specify(definition):
    clean, errors = check(definition, "opinions", {"services": ["health", "other"]})
    assert clean == {"services": ["health", "other"]}
    assert errors["services_other"].code == "required"
    clean, errors = check(definition, "opinions", {"services": "health tax", "services_other": "x"})
    assert clean == {"services": ["health", "tax"]}  # services_other hidden: dropped
    assert errors == {}
    _, errors = check(definition, "opinions", {"services": ["health", "police"]})
    assert errors["services"].code == "not_in_choices"


def test_whole_survey_validation_when_page_is_none(definition):
    clean, errors = check(
        definition,
        None,
        {"consent": "OK", "region": "KZ-79", "age_group": "18_29", "status": "studying"},
    )
    assert set(errors) == set()
    assert clean["status"] == "studying"


def test_region_without_registry_codes_accepts_code(definition):
    clean, errors = validate_answers(
        definition, "start", {"consent": "OK", "region": "KZ-75", "age_group": "30_44"}
    )
    assert errors == {}
    assert clean["region"] == "KZ-75"


def test_available_choices_applies_filter_and_registry(definition):
    district = definition.question("district")
    names = [c.name for c in available_choices(definition, district, {"region": "KZ-71"})]
    assert names == ["yesil"]
    region = definition.question("region")
    offered = available_choices(definition, region, {}, region_codes=REGIONS)
    assert [c.name for c in offered] == REGIONS


def test_notes_take_no_value(definition):
    clean, errors = check(definition, "opinions", {"info": "ignored"})
    assert "info" not in clean and "info" not in errors


def test_text_length_limit():
    question = Question(name="t", type="text")
    value, error = coerce_answer(question, "x" * 10_001)
    assert value is None and error.code == "too_long"
    assert coerce_answer(question, "  hi ") == ("hi", None)
    assert coerce_answer(question, "   ") == (None, None)


@pytest.mark.parametrize(
    ("type_", "raw", "value"),
    [
        ("integer", "1,500,000", 1500000),
        ("decimal", "1,500,000", 1500000.0),
        ("decimal", "1,500.5", 1500.5),
        ("decimal", "-2,000,000.25", -2000000.25),
    ],
)
def test_numbers_grouped_by_commas_beyond_doubt_are_read(type_, raw, value):
    """'1,500,000' can only be thousands (no decimal has two commas) and '1,500.5' too: they
    were refused as not numbers, while '1,500' alone stays a question for the respondent."""
    question = Question(name="amount", type=type_)
    assert coerce_answer(question, raw) == (value, None)


@pytest.mark.parametrize(
    ("type_", "raw", "code"),
    [
        ("integer", "1,500", "not_integer"),
        ("decimal", "1,500", "ambiguous_number"),
        ("decimal", "1,50,000", "not_decimal"),
        ("decimal", "1,500,00", "not_decimal"),
    ],
)
def test_commas_that_could_be_decimal_marks_are_not_guessed(type_, raw, code):
    question = Question(name="amount", type=type_)
    value, error = coerce_answer(question, raw)
    assert value is None and error.code == code
