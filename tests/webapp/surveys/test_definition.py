"""SurveyDefinition: validation of untrusted dicts, look-ups, language fallback, JSON."""

import copy
import json

import pytest

from webapp.surveys.definition import (
    DefinitionError,
    Question,
    SurveyDefinition,
    definition_from_json,
    definition_to_json,
)


def base_data():
    return {
        "form_id": "pulse",
        "title": {"kk": "Сауалнама", "ru": "Опрос", "en": "Survey"},
        "languages": ["kk", "ru", "en"],
        "default_language": "ru",
        "pages": [
            {
                "name": "about",
                "label": {"en": "About you"},
                "relevant": None,
                "questions": [
                    {
                        "name": "region",
                        "type": "select_one",
                        "label": {"en": "Region"},
                        "choice_list": "region",
                        "region": True,
                        "required": True,
                    },
                    {
                        "name": "age",
                        "type": "integer",
                        "label": {"en": "Age"},
                        "constraint": ". >= 16 and . <= 110",
                        "constraint_message": {"en": "16 to 110", "kk": "16-дан 110-ға дейін"},
                    },
                    {
                        "name": "district",
                        "type": "select_one",
                        "choice_list": "districts",
                        "choice_filter": "region = ${region}",
                    },
                ],
            },
            {
                "name": "opinion",
                "label": {},
                "relevant": "${age} >= 18",
                "questions": [
                    {
                        "name": "trust",
                        "type": "range",
                        "parameters": {"start": "1", "end": "5", "step": "1"},
                    },
                    {"name": "services", "type": "select_multiple", "choice_list": "services"},
                    {"name": "intro", "type": "note", "label": {"kk": "Рақмет"}},
                ],
            },
        ],
        "choice_lists": {
            "districts": [
                {"name": "medeu", "label": {"en": "Medeu"}, "filters": {"region": "KZ-75"}},
                {"name": "yesil", "label": {"en": "Yesil"}, "filters": {"region": "KZ-71"}},
            ],
            "services": [{"name": "health", "label": {"en": "Health"}}, {"name": "tax"}],
        },
        "settings": {"region": "KZ-75", "version": "3"},
    }


def problems_of(data):
    with pytest.raises(DefinitionError) as caught:
        SurveyDefinition.from_dict(data)
    return caught.value.problems


def test_valid_definition_builds_and_answers_lookups():
    definition = SurveyDefinition.from_dict(base_data())
    assert [q.name for q in definition.questions()] == [
        "region",
        "age",
        "district",
        "trust",
        "services",
        "intro",
    ]
    assert definition.question("age").type == "integer"
    assert definition.page_of("trust").name == "opinion"
    assert definition.region_questions() == [definition.question("region")]
    assert definition.bound_region == "KZ-75"
    assert definition.choices_for(definition.question("region")) == []
    assert [c.name for c in definition.choices_for(definition.question("services"))] == [
        "health",
        "tax",
    ]
    with pytest.raises(KeyError, match="nope"):
        definition.question("nope")


def test_label_fallback_requested_then_default_then_first():
    definition = SurveyDefinition.from_dict(base_data())
    assert definition.label("kk") == "Сауалнама"
    assert definition.label("de") == "Опрос"  # default language (ru)
    assert definition.label(None) == "Опрос"
    intro = definition.question("intro")
    assert definition.text(intro.label, "en") == "Рақмет"  # only kk exists: first available
    message = definition.question("age").constraint_message
    assert definition.text(message, "ru") == "16 to 110"  # no ru, no default: first (en)


def test_json_round_trip_is_exact():
    definition = SurveyDefinition.from_dict(base_data())
    text = definition_to_json(definition)
    assert "Сауалнама" in text  # readable, not \\u-escaped
    assert definition_from_json(text) == definition
    assert json.loads(text)["pages"][0]["questions"][0]["region"] is True


def test_to_dict_then_from_dict_is_identity():
    definition = SurveyDefinition.from_dict(base_data())
    assert SurveyDefinition.from_dict(definition.to_dict()) == definition


def test_refuses_unknown_type_naming_question():
    data = base_data()
    data["pages"][0]["questions"][1]["type"] = "geopoint"
    problems = problems_of(data)
    assert any("question 'age' has unknown type 'geopoint'" in p for p in problems)


def test_refuses_duplicate_names_across_pages():
    data = base_data()
    data["pages"][1]["questions"][0]["name"] = "age"
    assert any("duplicate name 'age'" in p for p in problems_of(data))


def test_refuses_missing_choice_list():
    data = base_data()
    del data["choice_lists"]["services"]
    assert any(
        "question 'services' uses choice list 'services', which does not exist" in p
        for p in problems_of(data)
    )


def test_refuses_empty_choice_list_and_duplicate_choice():
    data = base_data()
    data["choice_lists"]["services"] = []
    data["choice_lists"]["districts"].append(copy.deepcopy(data["choice_lists"]["districts"][0]))
    problems = problems_of(data)
    assert any("choice list 'services' has no choices" in p for p in problems)
    assert any("'medeu' twice" in p for p in problems)


def test_reports_all_problems_at_once():
    data = base_data()
    data["default_language"] = "de"
    data["pages"][0]["questions"][1]["relevant"] = "${ghost} = 1"
    data["pages"][1]["relevant"] = "${age} >"
    data["pages"][0]["questions"][2]["choice_filter"] = "colour = ${region}"
    data["settings"]["region"] = "Almaty"
    problems = problems_of(data)
    text = "\n".join(problems)
    assert "default_language 'de'" in text
    assert "unknown question ${ghost}" in text
    assert "page 'opinion' relevant" in text
    assert "not columns of choice list 'districts'" in text
    assert "settings.region 'Almaty'" in text


def test_refuses_bad_shapes_with_field_names():
    data = base_data()
    data["pages"][0]["questions"][0]["required"] = "yes"
    data["pages"][0]["questions"][1]["label"] = "Age"
    data["pages"][0]["questions"][1]["colour"] = "red"
    data["unexpected"] = 1
    problems = problems_of(data)
    text = "\n".join(problems)
    assert "required must be true or false" in text
    assert "question 'age' label must map language codes to text" in text
    assert "unknown field 'colour'" in text
    assert "unknown field 'unexpected'" in text


def test_refuses_text_in_language_not_declared():
    data = base_data()
    data["pages"][0]["questions"][1]["hint"] = {"de": "Alter"}
    assert any("text in 'de'" in p for p in problems_of(data))


def test_refuses_region_flag_on_non_select_one_and_bad_range():
    data = base_data()
    data["pages"][0]["questions"][1]["region"] = True
    data["pages"][1]["questions"][0]["parameters"] = {"start": "5", "end": "1", "step": "1"}
    problems = "\n".join(problems_of(data))
    assert "question 'age' is marked as the region question but is not a select_one" in problems
    assert "range step must lead from start to end" in problems


def test_refuses_current_value_outside_constraints_and_bare_names():
    data = base_data()
    data["pages"][0]["questions"][1]["relevant"] = ". > 3"
    data["pages"][0]["questions"][0]["constraint"] = "age > 3"
    problems = "\n".join(problems_of(data))
    assert "question 'age' relevant uses '.'" in problems
    assert "bare name(s) ['age']" in problems


def test_refuses_invalid_defaults():
    data = base_data()
    data["pages"][0]["questions"][1]["default"] = "old"
    data["pages"][1]["questions"][1]["default"] = "health police"
    problems = "\n".join(problems_of(data))
    assert "question 'age' default 'old': Enter a whole number." in problems
    assert "['police'] is not among its choices" in problems


def test_accepts_valid_default():
    data = base_data()
    data["pages"][1]["questions"][1]["default"] = "health tax"
    definition = SurveyDefinition.from_dict(data)
    assert definition.question("services").default == "health tax"


def test_definition_from_json_refuses_bad_json_and_non_objects():
    with pytest.raises(DefinitionError, match="not valid JSON"):
        definition_from_json("{broken")
    with pytest.raises(DefinitionError, match="must be a JSON object"):
        definition_from_json("[1, 2]")


def test_question_defaults_are_neutral():
    question = Question(name="q", type="text")
    assert not question.required
    assert question.takes_answer
    assert not Question(name="n", type="note").takes_answer
