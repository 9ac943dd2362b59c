"""The internal, versionable representation of a survey.

An uploaded XLSForm is converted once into a :class:`SurveyDefinition`; everything else
(rendering, answer validation, storage as a JSON version) works from this structure, so
no spreadsheet is parsed at request time. ``from_dict`` validates as thoroughly as the
XLSForm importer, because JSON definitions can also be uploaded or edited by hand.

Region convention (see ``docs/surveys-xlsform.md``): a ``select_one`` question with
``region=True`` asks for a unit of the platform's region registry. Its choice list may be
absent from ``choice_lists``; the renderer then offers the registry's units. A survey can
also be bound as a whole to one unit with ``settings["region"]`` (e.g. ``"KZ-75"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from webapp.surveys.expressions import ExpressionError, parse

QUESTION_TYPES = (
    "text",
    "integer",
    "decimal",
    "select_one",
    "select_multiple",
    "date",
    "note",
    "acknowledge",
    "range",
)
SELECT_TYPES = ("select_one", "select_multiple")
#: Choice list names that mark a select_one as the region question by convention.
REGION_LIST_NAMES = ("region", "regions")
#: Default range parameters, as in the ODK specification.
RANGE_DEFAULTS = {"start": "1", "end": "10", "step": "1"}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

TextByLanguage = dict[str, str]


class DefinitionError(ValueError):
    """A definition that does not validate; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems) or "invalid survey definition")


def pick_text(texts: Mapping[str, str], language: str | None, default_language: str) -> str:
    """Text in ``language``, else the default language, else the first one available."""
    for candidate in (language, default_language):
        if candidate and texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


@dataclass(frozen=True)
class Choice:
    """One answer option; ``filters`` holds extra choices-sheet columns for choice_filter."""

    name: str
    label: TextByLanguage = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": dict(self.label), "filters": dict(self.filters)}


@dataclass(frozen=True)
class Question:
    """One survey question; expressions are kept as XLSForm text and parsed on use."""

    name: str
    type: str
    label: TextByLanguage = field(default_factory=dict)
    hint: TextByLanguage = field(default_factory=dict)
    required: bool = False
    required_message: TextByLanguage = field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: TextByLanguage = field(default_factory=dict)
    default: str | None = None
    choice_list: str | None = None
    choice_filter: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    appearance: str | None = None
    region: bool = False

    @property
    def is_select(self) -> bool:
        return self.type in SELECT_TYPES

    @property
    def takes_answer(self) -> bool:
        """Notes only display text; every other type stores a value."""
        return self.type != "note"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "label": dict(self.label),
            "hint": dict(self.hint),
            "required": self.required,
            "required_message": dict(self.required_message),
            "relevant": self.relevant,
            "constraint": self.constraint,
            "constraint_message": dict(self.constraint_message),
            "default": self.default,
            "choice_list": self.choice_list,
            "choice_filter": self.choice_filter,
            "parameters": dict(self.parameters),
            "appearance": self.appearance,
            "region": self.region,
        }


@dataclass(frozen=True)
class Page:
    """A page of questions shown together (an XLSForm top-level group)."""

    name: str
    label: TextByLanguage = field(default_factory=dict)
    relevant: str | None = None
    questions: list[Question] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": dict(self.label),
            "relevant": self.relevant,
            "questions": [question.to_dict() for question in self.questions],
        }


@dataclass(frozen=True)
class SurveyDefinition:
    """A whole survey; compare two definitions with ``==``."""

    form_id: str
    title: TextByLanguage
    languages: list[str]
    default_language: str
    pages: list[Page]
    choice_lists: dict[str, list[Choice]] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    # ----------------------------------------------------------------- look-ups

    def questions(self) -> Iterator[Question]:
        """All questions in display order, across pages."""
        for page in self.pages:
            yield from page.questions

    def question(self, name: str) -> Question:
        """The question called ``name``; KeyError names it when absent."""
        for question in self.questions():
            if question.name == name:
                return question
        raise KeyError(f"no question named {name!r}")

    def page(self, name: str) -> Page:
        for page in self.pages:
            if page.name == name:
                return page
        raise KeyError(f"no page named {name!r}")

    def page_of(self, question_name: str) -> Page:
        for page in self.pages:
            if any(question.name == question_name for question in page.questions):
                return page
        raise KeyError(f"no question named {question_name!r}")

    def choices_for(self, question: Question) -> list[Choice]:
        """The form's choices for a select (empty for a registry-backed region list)."""
        if question.choice_list is None:
            return []
        return list(self.choice_lists.get(question.choice_list, []))

    def region_questions(self) -> list[Question]:
        return [question for question in self.questions() if question.region]

    @property
    def bound_region(self) -> str | None:
        """The region code the whole survey is bound to, if any."""
        return self.settings.get("region") or None

    def text(self, texts: Mapping[str, str], language: str | None = None) -> str:
        """Pick a translation with fallback: requested, then default, then first available."""
        return pick_text(texts, language, self.default_language)

    def label(self, language: str | None = None) -> str:
        """The survey title in ``language`` (with fallback)."""
        return self.text(self.title, language)

    # ----------------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        return {
            "form_id": self.form_id,
            "title": dict(self.title),
            "languages": list(self.languages),
            "default_language": self.default_language,
            "pages": [page.to_dict() for page in self.pages],
            "choice_lists": {
                name: [choice.to_dict() for choice in choices]
                for name, choices in self.choice_lists.items()
            },
            "settings": dict(self.settings),
        }

    @classmethod
    def from_dict(cls, data: Any) -> SurveyDefinition:
        """Build and validate a definition; raises DefinitionError listing every problem."""
        return _DictReader().read(data)

    def validate(self) -> list[str]:
        """Problems with this definition (empty when it is usable)."""
        return validate_definition(self)


def definition_to_json(definition: SurveyDefinition) -> str:
    """A stable JSON text (sorted keys are avoided so that page order reads naturally)."""
    return json.dumps(definition.to_dict(), ensure_ascii=False, indent=2)


def definition_from_json(text: str | bytes) -> SurveyDefinition:
    """Parse and validate JSON text produced by :func:`definition_to_json` (or by hand)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as error:
        raise DefinitionError([f"not valid JSON: {error}"]) from error
    return SurveyDefinition.from_dict(data)


# --------------------------------------------------------------------------- reading dicts


class _DictReader:
    """Turns untrusted dicts into dataclasses, collecting problems instead of failing fast."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def read(self, data: Any) -> SurveyDefinition:
        if not isinstance(data, dict):
            raise DefinitionError(["the definition must be a JSON object"])
        known = {
            "form_id",
            "title",
            "languages",
            "default_language",
            "pages",
            "choice_lists",
            "settings",
        }
        for key in sorted(set(data) - known):
            self.problems.append(f"unknown field {key!r} at the top level")
        languages = self.string_list(data.get("languages"), "languages")
        pages_data = data.get("pages")
        if not isinstance(pages_data, list):
            self.problems.append("'pages' must be a list")
            pages_data = []
        choice_data = data.get("choice_lists", {})
        if not isinstance(choice_data, dict):
            self.problems.append("'choice_lists' must be an object")
            choice_data = {}
        settings = data.get("settings", {})
        if not isinstance(settings, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in settings.items()
        ):
            self.problems.append("'settings' must be an object of text values")
            settings = {}
        definition = SurveyDefinition(
            form_id=self.string(data.get("form_id"), "form_id") or "",
            title=self.texts(data.get("title", {}), "title"),
            languages=languages,
            default_language=self.string(data.get("default_language"), "default_language") or "",
            pages=[self.page(page, f"pages[{i}]") for i, page in enumerate(pages_data)],
            choice_lists={
                str(name): self.choices(choices, f"choice_lists.{name}")
                for name, choices in choice_data.items()
            },
            settings=dict(settings),
        )
        if self.problems:
            raise DefinitionError(self.problems)
        problems = validate_definition(definition)
        if problems:
            raise DefinitionError(problems)
        return definition

    def string(self, value: Any, where: str, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.problems.append(f"{where} must be text")
            return None
        return value

    def string_list(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problems.append(f"{where} must be a list of text")
            return []
        return list(value)

    def texts(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.problems.append(f"{where} must map language codes to text")
            return {}
        return dict(value)

    def expect_keys(self, data: dict, known: set[str], where: str) -> None:
        for key in sorted(set(data) - known):
            self.problems.append(f"{where}: unknown field {key!r}")

    def page(self, data: Any, where: str) -> Page:
        if not isinstance(data, dict):
            self.problems.append(f"{where} must be an object")
            return Page(name="")
        self.expect_keys(data, {"name", "label", "relevant", "questions"}, where)
        questions = data.get("questions")
        if not isinstance(questions, list):
            self.problems.append(f"{where}.questions must be a list")
            questions = []
        return Page(
            name=self.string(data.get("name"), f"{where}.name") or "",
            label=self.texts(data.get("label", {}), f"{where}.label"),
            relevant=self.string(data.get("relevant"), f"{where}.relevant", optional=True),
            questions=[
                self.question(question, f"{where}.questions[{i}]")
                for i, question in enumerate(questions)
            ],
        )

    def question(self, data: Any, where: str) -> Question:
        if not isinstance(data, dict):
            self.problems.append(f"{where} must be an object")
            return Question(name="", type="text")
        self.expect_keys(data, set(Question.__dataclass_fields__), where)
        name = self.string(data.get("name"), f"{where}.name") or ""
        where = f"question {name!r}" if name else where
        required = data.get("required", False)
        region = data.get("region", False)
        for flag_name, flag in (("required", required), ("region", region)):
            if not isinstance(flag, bool):
                self.problems.append(f"{where}: {flag_name} must be true or false")
        parameters = data.get("parameters", {})
        if not isinstance(parameters, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parameters.items()
        ):
            self.problems.append(f"{where}: parameters must map names to text")
            parameters = {}
        return Question(
            name=name,
            type=self.string(data.get("type"), f"{where}.type") or "",
            label=self.texts(data.get("label", {}), f"{where}.label"),
            hint=self.texts(data.get("hint", {}), f"{where}.hint"),
            required=required is True,
            required_message=self.texts(
                data.get("required_message", {}), f"{where}.required_message"
            ),
            relevant=self.string(data.get("relevant"), f"{where}.relevant", optional=True),
            constraint=self.string(data.get("constraint"), f"{where}.constraint", optional=True),
            constraint_message=self.texts(
                data.get("constraint_message", {}), f"{where}.constraint_message"
            ),
            default=self.string(data.get("default"), f"{where}.default", optional=True),
            choice_list=self.string(data.get("choice_list"), f"{where}.choice_list", optional=True),
            choice_filter=self.string(
                data.get("choice_filter"), f"{where}.choice_filter", optional=True
            ),
            parameters=dict(parameters),
            appearance=self.string(data.get("appearance"), f"{where}.appearance", optional=True),
            region=region is True,
        )

    def choices(self, data: Any, where: str) -> list[Choice]:
        if not isinstance(data, list):
            self.problems.append(f"{where} must be a list")
            return []
        result = []
        for i, item in enumerate(data):
            item_where = f"{where}[{i}]"
            if not isinstance(item, dict):
                self.problems.append(f"{item_where} must be an object")
                continue
            self.expect_keys(item, {"name", "label", "filters"}, item_where)
            result.append(
                Choice(
                    name=self.string(item.get("name"), f"{item_where}.name") or "",
                    label=self.texts(item.get("label", {}), f"{item_where}.label"),
                    filters=self.texts(item.get("filters", {}), f"{item_where}.filters"),
                )
            )
        return result


# --------------------------------------------------------------------------- validation


def parse_range_parameters(parameters: Mapping[str, str]) -> tuple[Decimal, Decimal, Decimal]:
    """start, end and step of a range question as Decimals (ValueError when unusable)."""
    merged = {**RANGE_DEFAULTS, **parameters}
    try:
        start, end, step = (Decimal(merged[key]) for key in ("start", "end", "step"))
    except InvalidOperation as error:
        raise ValueError("range start, end and step must be numbers") from error
    if not all(value.is_finite() for value in (start, end, step)):
        raise ValueError("range start, end and step must be finite numbers")
    if step == 0:
        raise ValueError("range step must not be 0")
    if (end - start) * step < 0:
        raise ValueError("range step must lead from start to end")
    return start, end, step


def validate_definition(definition: SurveyDefinition) -> list[str]:
    """Every problem that would make the definition unusable, each naming its field."""
    problems: list[str] = []
    if not definition.form_id or not _NAME.match(definition.form_id):
        problems.append(
            f"form_id {definition.form_id!r} must start with a letter and use only "
            "letters, digits, '_', '-' and '.'"
        )
    if not definition.languages:
        problems.append("languages must list at least one language code")
    for code in definition.languages:
        if not _LANGUAGE_CODE.match(code):
            problems.append(f"language {code!r} is not a language code like 'kk', 'ru', 'en'")
    if len(set(definition.languages)) != len(definition.languages):
        problems.append("languages lists a language twice")
    if definition.default_language not in definition.languages:
        problems.append(
            f"default_language {definition.default_language!r} is not one of the "
            f"languages {definition.languages}"
        )
    known_languages = set(definition.languages)

    def check_texts(texts: Mapping[str, str], where: str) -> None:
        for code in texts:
            if code not in known_languages:
                problems.append(f"{where} has text in {code!r}, which is not in languages")

    check_texts(definition.title, "title")
    region = definition.settings.get("region")
    if region is not None and not _REGION_CODE.match(region):
        problems.append(f"settings.region {region!r} is not a region code like 'KZ-75'")

    for list_name, choices in definition.choice_lists.items():
        if not _NAME.match(list_name):
            problems.append(f"choice list name {list_name!r} is not a valid name")
        if not choices:
            problems.append(f"choice list {list_name!r} has no choices")
        seen: set[str] = set()
        for choice in choices:
            if not choice.name:
                problems.append(f"choice list {list_name!r} has a choice without a name")
            elif choice.name in seen:
                problems.append(f"choice list {list_name!r} has the choice {choice.name!r} twice")
            elif any(ch.isspace() for ch in choice.name):
                problems.append(
                    f"choice {choice.name!r} in list {list_name!r} must not contain spaces "
                    "(select_multiple answers are space-separated)"
                )
            seen.add(choice.name)
            check_texts(choice.label, f"choice {choice.name!r} in list {list_name!r}")

    if not definition.pages:
        problems.append("the survey has no pages")
    names: dict[str, str] = {}
    for page in definition.pages:
        if not page.name or not _NAME.match(page.name):
            problems.append(f"page name {page.name!r} is not a valid name")
        elif page.name in names:
            problems.append(f"the name {page.name!r} is used twice (page and {names[page.name]})")
        else:
            names[page.name] = "page"
        check_texts(page.label, f"page {page.name!r} label")
        if not page.questions:
            problems.append(f"page {page.name!r} has no questions")
        for question in page.questions:
            if not question.name or not _NAME.match(question.name):
                problems.append(f"question name {question.name!r} is not a valid name")
            elif question.name in names:
                problems.append(f"duplicate name {question.name!r} (question)")
            else:
                names[question.name] = "question"
    question_names = {question.name for question in definition.questions()}

    def check_expression(text: str | None, where: str, allow_current: bool) -> None:
        if text is None:
            return
        try:
            expression = parse(text)
        except ExpressionError as error:
            problems.append(f"{where}: {error}")
            return
        for reference in sorted(expression.references - question_names):
            problems.append(f"{where} refers to unknown question ${{{reference}}}")
        if expression.columns:
            problems.append(
                f"{where} uses bare name(s) {sorted(expression.columns)}; "
                "refer to questions as ${name}"
            )
        if expression.uses_current and not allow_current:
            problems.append(f"{where} uses '.', which only constraints may use")

    for page in definition.pages:
        check_expression(page.relevant, f"page {page.name!r} relevant", allow_current=False)
        for question in page.questions:
            problems.extend(_question_problems(definition, question, check_texts))
            where = f"question {question.name!r}"
            check_expression(question.relevant, f"{where} relevant", allow_current=False)
            check_expression(question.constraint, f"{where} constraint", allow_current=True)
            if question.choice_filter is not None:
                problems.extend(choice_filter_problems(definition, question, question_names, where))
    return problems


def _question_problems(
    definition: SurveyDefinition, question: Question, check_texts: Any
) -> list[str]:
    problems: list[str] = []
    where = f"question {question.name!r}"
    if question.type not in QUESTION_TYPES:
        problems.append(
            f"{where} has unknown type {question.type!r}; known types: {', '.join(QUESTION_TYPES)}"
        )
        return problems
    for attribute in ("label", "hint", "required_message", "constraint_message"):
        check_texts(getattr(question, attribute), f"{where} {attribute}")
    if question.is_select:
        if not question.choice_list:
            problems.append(f"{where} is a {question.type} without a choice list")
        elif question.choice_list not in definition.choice_lists and not question.region:
            problems.append(
                f"{where} uses choice list {question.choice_list!r}, which does not exist"
            )
    elif question.choice_list is not None or question.choice_filter is not None:
        problems.append(f"{where}: only select questions take a choice list or choice_filter")
    if question.region and question.type != "select_one":
        problems.append(f"{where} is marked as the region question but is not a select_one")
    if question.type == "range":
        unknown = set(question.parameters) - set(RANGE_DEFAULTS)
        if unknown:
            problems.append(f"{where}: unknown range parameter(s) {sorted(unknown)}")
        try:
            parse_range_parameters(question.parameters)
        except ValueError as error:
            problems.append(f"{where}: {error}")
    elif question.parameters:
        problems.append(f"{where}: only range questions take parameters")
    if question.type == "note" and (question.required or question.constraint):
        problems.append(f"{where} is a note and cannot be required or constrained")
    if question.default is not None:
        problems.extend(_default_problems(definition, question, where))
    return problems


def _default_problems(definition: SurveyDefinition, question: Question, where: str) -> list[str]:
    # Imported lazily: answers.py builds on this module.
    from webapp.surveys.answers import coerce_answer

    if question.type in ("note", "acknowledge"):
        return [f"{where}: a {question.type} cannot have a default"]
    if "${" in question.default:
        return [f"{where}: dynamic defaults (referring to other questions) are not supported"]
    error = coerce_answer(question, question.default)[1]
    if error is not None:
        return [f"{where} default {question.default!r}: {error.message}"]
    if question.is_select and not question.region:
        names = {choice.name for choice in definition.choices_for(question)}
        values = (
            question.default.split() if question.type == "select_multiple" else [question.default]
        )
        missing = [value for value in values if value not in names]
        if missing:
            return [f"{where} default {missing} is not among its choices"]
    return []


def choice_filter_problems(
    definition: SurveyDefinition, question: Question, question_names: set[str], where: str
) -> list[str]:
    """A choice_filter may read ${questions} and the columns of its own choice list."""
    assert question.choice_filter is not None
    try:
        expression = parse(question.choice_filter)
    except ExpressionError as error:
        return [f"{where} choice_filter: {error}"]
    problems = [
        f"{where} choice_filter refers to unknown question ${{{name}}}"
        for name in sorted(expression.references - question_names)
    ]
    if expression.uses_current:
        problems.append(f"{where} choice_filter uses '.', which only constraints may use")
    columns: set[str] = {"name"}
    for choice in definition.choices_for(question):
        columns.update(choice.filters)
    unknown = sorted(expression.columns - columns)
    if unknown:
        problems.append(
            f"{where} choice_filter uses {unknown}, which are not columns of choice list "
            f"{question.choice_list!r} (available: {sorted(columns)})"
        )
    if not expression.columns:
        problems.append(
            f"{where} choice_filter does not use any choice column; write e.g. "
            "\"filter = ${other_question}\" where 'filter' is a column of the choices sheet"
        )
    return problems
