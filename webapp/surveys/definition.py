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

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from webapp.surveys.expressions import ExpressionError, parse, parse_cached, to_string

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
    #: Calculations shown in labels and hints (``Total: ${hh_size}``), by name: an
    #: expression over the answers (XLSForm ``calculate`` rows; never stored with responses).
    calculations: dict[str, str] = field(default_factory=dict)

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

    def calculated_text(
        self, name: str, answers: Mapping[str, Any], today: dt.date | None = None
    ) -> str | None:
        """The calculation ``name`` worked out from ``answers`` as text for a label, or None
        when the form has no such calculation. A value that cannot be worked out (an
        empty answer in a sum: NaN) reads as nothing, never as 'NaN'."""
        formula = self.calculations.get(name)
        if formula is None:
            return None
        try:
            text = to_string(parse_cached(formula).evaluate(answers, today=today))
        except ExpressionError:
            return ""
        return "" if text in ("NaN", "inf", "-inf") else text

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
            **({"calculations": dict(self.calculations)} if self.calculations else {}),
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
        raise DefinitionError([_("not valid JSON: %(error)s", error=str(error))]) from error
    return SurveyDefinition.from_dict(data)


# --------------------------------------------------------------------------- reading dicts


class _DictReader:
    """Turns untrusted dicts into dataclasses, collecting problems instead of failing fast.

    Problems are in the request's language (the analyst's on the upload page, English in
    ``flask surveys import``); the paths they name (``pages[0].questions[2].type``) are the
    JSON's own.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def read(self, data: Any) -> SurveyDefinition:
        if not isinstance(data, dict):
            raise DefinitionError([_("the definition must be a JSON object")])
        known = {
            "form_id",
            "title",
            "languages",
            "default_language",
            "pages",
            "choice_lists",
            "settings",
            "calculations",
        }
        for key in sorted(set(data) - known):
            self.problems.append(_("unknown field %(field)s at the top level", field=repr(key)))
        languages = self.string_list(data.get("languages"), "languages")
        pages_data = data.get("pages")
        if not isinstance(pages_data, list):
            self.problems.append(_("%(where)s must be a list", where="pages"))
            pages_data = []
        choice_data = data.get("choice_lists", {})
        if not isinstance(choice_data, dict):
            self.problems.append(_("%(where)s must be an object", where="choice_lists"))
            choice_data = {}
        settings = data.get("settings", {})
        if not isinstance(settings, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in settings.items()
        ):
            self.problems.append(_("%(where)s must be an object of text values", where="settings"))
            settings = {}
        calculations = data.get("calculations", {})
        if not isinstance(calculations, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in calculations.items()
        ):
            self.problems.append(
                _("%(where)s must be an object of text values", where="calculations")
            )
            calculations = {}
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
            calculations=dict(calculations),
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
            self.problems.append(_("%(where)s must be text", where=where))
            return None
        return value

    def string_list(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problems.append(_("%(where)s must be a list of text", where=where))
            return []
        return list(value)

    def texts(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.problems.append(_("%(where)s must map language codes to text", where=where))
            return {}
        return dict(value)

    def expect_keys(self, data: dict, known: set[str], where: str) -> None:
        for key in sorted(set(data) - known):
            self.problems.append(
                _("%(where)s: unknown field %(field)s", where=where, field=repr(key))
            )

    def page(self, data: Any, where: str) -> Page:
        if not isinstance(data, dict):
            self.problems.append(_("%(where)s must be an object", where=where))
            return Page(name="")
        self.expect_keys(data, {"name", "label", "relevant", "questions"}, where)
        questions = data.get("questions")
        if not isinstance(questions, list):
            self.problems.append(_("%(where)s must be a list", where=f"{where}.questions"))
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
            self.problems.append(_("%(where)s must be an object", where=where))
            return Question(name="", type="text")
        name = self.string(data.get("name"), f"{where}.name") or ""
        path = where
        where = _question_where(name) if name else path
        self.expect_keys(data, set(Question.__dataclass_fields__), where)

        def field_of(column: str) -> str:
            """A column of this question as the problems name it."""
            return _question_where(name, column) if name else f"{path}.{column}"

        required = data.get("required", False)
        region = data.get("region", False)
        for flag_name, flag in (("required", required), ("region", region)):
            if not isinstance(flag, bool):
                self.problems.append(
                    _("%(where)s: %(field)s must be true or false", where=where, field=flag_name)
                )
        parameters = data.get("parameters", {})
        if not isinstance(parameters, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parameters.items()
        ):
            self.problems.append(_("%(where)s: parameters must map names to text", where=where))
            parameters = {}
        return Question(
            name=name,
            type=self.string(data.get("type"), field_of("type")) or "",
            label=self.texts(data.get("label", {}), field_of("label")),
            hint=self.texts(data.get("hint", {}), field_of("hint")),
            required=required is True,
            required_message=self.texts(
                data.get("required_message", {}), field_of("required_message")
            ),
            relevant=self.string(data.get("relevant"), field_of("relevant"), optional=True),
            constraint=self.string(data.get("constraint"), field_of("constraint"), optional=True),
            constraint_message=self.texts(
                data.get("constraint_message", {}), field_of("constraint_message")
            ),
            default=self.string(data.get("default"), field_of("default"), optional=True),
            choice_list=self.string(
                data.get("choice_list"), field_of("choice_list"), optional=True
            ),
            choice_filter=self.string(
                data.get("choice_filter"), field_of("choice_filter"), optional=True
            ),
            parameters=dict(parameters),
            appearance=self.string(data.get("appearance"), field_of("appearance"), optional=True),
            region=region is True,
        )

    def choices(self, data: Any, where: str) -> list[Choice]:
        if not isinstance(data, list):
            self.problems.append(_("%(where)s must be a list", where=where))
            return []
        result = []
        for i, item in enumerate(data):
            item_where = f"{where}[{i}]"
            if not isinstance(item, dict):
                self.problems.append(_("%(where)s must be an object", where=item_where))
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


class DefinitionProblem(str):
    """A problem's text (in the reader's language) with the question or setting it is
    about, and the XLSForm column where one is known (``default``), so that the importer
    can point at the right row and column whatever the language."""

    question: str | None
    setting: str | None
    column: str | None

    def __new__(
        cls,
        text: str,
        question: str | None = None,
        setting: str | None = None,
        column: str | None = None,
    ) -> DefinitionProblem:
        problem = super().__new__(cls, text)
        problem.question = question
        problem.setting = setting
        problem.column = column
        return problem


def _question_where(name: str, column: str | None = None) -> str:
    """How a problem names a question (and one of its columns): "question 'age' constraint"."""
    if column is None:
        return _("question %(name)s", name=repr(name))
    return _("question %(name)s %(column)s", name=repr(name), column=column)


def validate_definition(definition: SurveyDefinition) -> list[str]:
    """Every problem that would make the definition unusable, each naming its field.

    Texts are in the request's language (English outside a request, as in ``flask surveys
    import``); problems about one question or setting are :class:`DefinitionProblem`.
    """
    problems: list[str] = []
    if not definition.form_id or not _NAME.match(definition.form_id):
        problems.append(
            _(
                "form_id %(value)s must start with a letter and use only letters, digits, "
                "'_', '-' and '.'",
                value=repr(definition.form_id),
            )
        )
    if not definition.languages:
        problems.append(_("languages must list at least one language code"))
    for code in definition.languages:
        if not _LANGUAGE_CODE.match(code):
            problems.append(
                _(
                    "language %(code)s is not a language code like 'kk', 'ru', 'en'",
                    code=repr(code),
                )
            )
    if len(set(definition.languages)) != len(definition.languages):
        problems.append(_("languages lists a language twice"))
    if definition.default_language not in definition.languages:
        problems.append(
            _(
                "default_language %(value)s is not one of the languages %(languages)s",
                value=repr(definition.default_language),
                languages=str(definition.languages),
            )
        )
    known_languages = set(definition.languages)

    def check_texts(texts: Mapping[str, str], where: str, question: str | None = None) -> None:
        for code in texts:
            if code not in known_languages:
                problems.append(
                    DefinitionProblem(
                        _(
                            "%(where)s has text in %(language)s, which is not in languages",
                            where=where,
                            language=repr(code),
                        ),
                        question=question,
                    )
                )

    check_texts(definition.title, "title")
    region = definition.settings.get("region")
    if region is not None and not _REGION_CODE.match(region):
        problems.append(
            DefinitionProblem(
                _(
                    "settings.region %(value)s is not a region code like 'KZ-75'",
                    value=repr(region),
                ),
                setting="region",
            )
        )

    for list_name, choices in definition.choice_lists.items():
        if not _NAME.match(list_name):
            problems.append(
                _("choice list name %(list)s is not a valid name", list=repr(list_name))
            )
        if not choices:
            problems.append(_("choice list %(list)s has no choices", list=repr(list_name)))
        seen: set[str] = set()
        for choice in choices:
            if not choice.name:
                problems.append(
                    _("choice list %(list)s has a choice without a name", list=repr(list_name))
                )
            elif choice.name in seen:
                problems.append(
                    _(
                        "choice list %(list)s has the choice %(choice)s twice",
                        list=repr(list_name),
                        choice=repr(choice.name),
                    )
                )
            elif any(ch.isspace() for ch in choice.name):
                problems.append(
                    _(
                        "choice %(choice)s in list %(list)s must not contain spaces "
                        "(select_multiple answers are space-separated)",
                        choice=repr(choice.name),
                        list=repr(list_name),
                    )
                )
            seen.add(choice.name)
            check_texts(
                choice.label,
                _(
                    "choice %(choice)s in list %(list)s",
                    choice=repr(choice.name),
                    list=repr(list_name),
                ),
            )

    if not definition.pages:
        problems.append(_("the survey has no pages"))
    names: dict[str, str] = {}
    for page in definition.pages:
        if not page.name or not _NAME.match(page.name):
            problems.append(_("page name %(name)s is not a valid name", name=repr(page.name)))
        elif page.name in names:
            other = _("page") if names[page.name] == "page" else _("question")
            problems.append(
                _(
                    "the name %(name)s is used twice (page and %(other)s)",
                    name=repr(page.name),
                    other=other,
                )
            )
        else:
            names[page.name] = "page"
        check_texts(page.label, _("page %(name)s label", name=repr(page.name)))
        if not page.questions:
            problems.append(_("page %(name)s has no questions", name=repr(page.name)))
        for question in page.questions:
            if not question.name or not _NAME.match(question.name):
                problems.append(
                    _("question name %(name)s is not a valid name", name=repr(question.name))
                )
            elif question.name in names:
                problems.append(
                    DefinitionProblem(
                        _("duplicate name %(name)s (question)", name=repr(question.name)),
                        question=question.name,
                    )
                )
            else:
                names[question.name] = "question"
    question_names = {question.name for question in definition.questions()}

    def check_expression(
        text: str | None,
        where: str,
        allow_current: bool,
        question: str | None = None,
        column: str | None = None,
    ) -> None:
        if text is None:
            return
        try:
            expression = parse(text)
        except ExpressionError as error:
            found = _("%(where)s: %(problem)s", where=where, problem=str(error))
            problems.append(DefinitionProblem(found, question=question, column=column))
            return
        for reference in sorted(expression.references - question_names):
            problems.append(
                DefinitionProblem(
                    _(
                        "%(where)s refers to unknown question ${%(name)s}",
                        where=where,
                        name=reference,
                    ),
                    question=question,
                    column=column,
                )
            )
        if expression.columns:
            problems.append(
                DefinitionProblem(
                    _(
                        "%(where)s uses bare name(s) %(names)s; refer to questions as ${name}",
                        where=where,
                        names=str(sorted(expression.columns)),
                    ),
                    question=question,
                    column=column,
                )
            )
        if expression.uses_current and not allow_current:
            problems.append(
                DefinitionProblem(
                    _("%(where)s uses '.', which only constraints may use", where=where),
                    question=question,
                    column=column,
                )
            )

    for page in definition.pages:
        check_expression(
            page.relevant,
            _("page %(name)s relevant", name=repr(page.name)),
            allow_current=False,
        )
        for question in page.questions:
            problems.extend(_question_problems(definition, question, check_texts))
            for column, allow_current in (("relevant", False), ("constraint", True)):
                check_expression(
                    getattr(question, column),
                    _question_where(question.name, column),
                    allow_current=allow_current,
                    question=question.name,
                    column=column,
                )
            if question.choice_filter is not None:
                where = _question_where(question.name)
                problems.extend(choice_filter_problems(definition, question, question_names, where))
    for name, formula in definition.calculations.items():
        where = _("calculation %(name)s", name=repr(name))
        if not _NAME.match(name):
            problems.append(_("calculation name %(name)s is not a valid name", name=repr(name)))
        elif name in names:
            problems.append(
                _("the calculation %(name)s has the name of a question or page", name=repr(name))
            )
        check_expression(formula, where, allow_current=False)
    return problems


def _question_problems(
    definition: SurveyDefinition, question: Question, check_texts: Any
) -> list[str]:
    texts: list[str] = []
    where = _question_where(question.name)
    if question.type not in QUESTION_TYPES:
        texts.append(
            _(
                "%(where)s has unknown type %(type)s; known types: %(types)s",
                where=where,
                type=repr(question.type),
                types=", ".join(QUESTION_TYPES),
            )
        )
        return [DefinitionProblem(text, question=question.name, column="type") for text in texts]
    for attribute in ("label", "hint", "required_message", "constraint_message"):
        check_texts(
            getattr(question, attribute),
            _question_where(question.name, attribute),
            question=question.name,
        )
    if question.is_select:
        if not question.choice_list:
            texts.append(
                _("%(where)s is a %(type)s without a choice list", where=where, type=question.type)
            )
        elif question.choice_list not in definition.choice_lists and not question.region:
            texts.append(
                _(
                    "%(where)s uses choice list %(list)s, which does not exist",
                    where=where,
                    list=repr(question.choice_list),
                )
            )
    elif question.choice_list is not None or question.choice_filter is not None:
        texts.append(
            _("%(where)s: only select questions take a choice list or choice_filter", where=where)
        )
    if question.region and question.type != "select_one":
        texts.append(
            _("%(where)s is marked as the region question but is not a select_one", where=where)
        )
    if question.type == "range":
        unknown = set(question.parameters) - set(RANGE_DEFAULTS)
        if unknown:
            texts.append(
                _(
                    "%(where)s: unknown range parameter(s) %(names)s",
                    where=where,
                    names=str(sorted(unknown)),
                )
            )
        try:
            parse_range_parameters(question.parameters)
        except ValueError as error:
            texts.append(_("%(where)s: %(problem)s", where=where, problem=str(error)))
    elif question.parameters:
        texts.append(_("%(where)s: only range questions take parameters", where=where))
    if question.type == "note" and (question.required or question.constraint):
        texts.append(_("%(where)s is a note and cannot be required or constrained", where=where))
    problems = [DefinitionProblem(text, question=question.name) for text in texts]
    if question.default is not None:
        problems.extend(
            DefinitionProblem(text, question=question.name, column="default")
            for text in _default_problems(definition, question, where)
        )
    return problems


def _default_problems(definition: SurveyDefinition, question: Question, where: str) -> list[str]:
    # Imported lazily: answers.py builds on this module.
    from webapp.surveys.answers import answer_error_text, coerce_answer

    if question.type in ("note", "acknowledge"):
        return [
            _(
                "%(where)s: a question of type %(type)s cannot have a default",
                where=where,
                type=question.type,
            )
        ]
    if "${" in question.default:
        return [
            _(
                "%(where)s: dynamic defaults (referring to other questions) are not supported",
                where=where,
            )
        ]
    error = coerce_answer(question, question.default)[1]
    if error is not None:
        return [
            _(
                "%(where)s default %(value)s: %(problem)s",
                where=where,
                value=repr(question.default),
                problem=answer_error_text(error),
            )
        ]
    if question.is_select and not question.region:
        names = {choice.name for choice in definition.choices_for(question)}
        values = (
            question.default.split() if question.type == "select_multiple" else [question.default]
        )
        missing = [value for value in values if value not in names]
        if missing:
            return [
                _(
                    "%(where)s default %(values)s is not among its choices",
                    where=where,
                    values=str(missing),
                )
            ]
    return []


def choice_filter_problems(
    definition: SurveyDefinition, question: Question, question_names: set[str], where: str
) -> list[str]:
    """A choice_filter may read ${questions} and the columns of its own choice list."""
    assert question.choice_filter is not None
    subject = f"{where} choice_filter".strip()
    try:
        expression = parse(question.choice_filter)
    except ExpressionError as error:
        texts = [_("%(where)s: %(problem)s", where=subject, problem=str(error))]
        return [
            DefinitionProblem(text, question=question.name, column="choice_filter")
            for text in texts
        ]
    texts = [
        _("%(where)s refers to unknown question ${%(name)s}", where=subject, name=name)
        for name in sorted(expression.references - question_names)
    ]
    if expression.uses_current:
        texts.append(_("%(where)s uses '.', which only constraints may use", where=subject))
    columns: set[str] = {"name"}
    for choice in definition.choices_for(question):
        columns.update(choice.filters)
    unknown = sorted(expression.columns - columns)
    if unknown:
        texts.append(
            _(
                "%(where)s uses %(names)s, which are not columns of choice list %(list)s "
                "(available: %(available)s)",
                where=subject,
                names=str(unknown),
                list=repr(question.choice_list),
                available=str(sorted(columns)),
            )
        )
    if not expression.columns:
        texts.append(
            _(
                "%(where)s does not use any choice column; write e.g. "
                "\"filter = ${other_question}\" where 'filter' is a column of the choices sheet",
                where=subject,
            )
        )
    return [
        DefinitionProblem(text, question=question.name, column="choice_filter") for text in texts
    ]
