"""Server-side answer checking for a survey page: visibility, types, required, constraints.

Pure functions over a :class:`SurveyDefinition`, so the web layer, CLI imports and tests
all share one set of rules. The browser may run a mirror of this logic for comfort, but
only this module decides what is stored.

Clean values are JSON-serialisable: ``int`` for integers, ``float`` for decimals (and for
ranges with a fractional step), ISO ``"YYYY-MM-DD"`` text for dates, ``list[str]`` for
select_multiple, ``str`` otherwise, and ``"OK"`` for an acknowledged statement.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from webapp.surveys.definition import (
    Choice,
    Question,
    SurveyDefinition,
    parse_range_parameters,
)
from webapp.surveys.expressions import Expression, ExpressionError, parse_cached

#: Longest free-text answer we keep; longer input is refused, not truncated.
MAX_TEXT_LENGTH = 10_000
#: Longest region code accepted when neither the form nor the caller lists the codes.
MAX_REGION_CODE_LENGTH = 64
_INTEGER_TEXT = re.compile(r"^[+-]?\d{1,18}$")
_DECIMAL_TEXT = re.compile(r"^[+-]?(\d{1,18}(\.\d{0,12})?|\.\d{1,12})$")
#: Digits grouped in thousands by spaces, as Kazakh and Russian write numbers ('150 000',
#: '1 500,5'), with a plain, no-break or narrow no-break space (what a keyboard or a copied
#: figure gives): the groups are joined. Any other spacing ('15 00') is still no number.
_GROUPED_DIGITS = re.compile(r"^([+-]?\d{1,3})((?:[ \u00a0\u202f]\d{3})+)([.,]\d*)?$")
_GROUP_SEPARATOR = re.compile(r"[ \u00a0\u202f]")
#: '1,500': thousands to an English reader, one and a half to a Kazakh or Russian one.
#: Read either way, some answers would be stored wrong without a word; the respondent is
#: asked which. ('0,125' and '1,25' are decimals to everyone.)
_AMBIGUOUS_COMMA = re.compile(r"^([+-]?[1-9]\d{0,2}),(\d{3})$")


#: Digits grouped in thousands by commas where no reader could take a comma for a decimal
#: mark: two groups or more ('1,500,000'), or groups before a decimal point ('1,500.5').
_COMMA_GROUPED_DIGITS = re.compile(r"^([+-]?\d{1,3})((?:,\d{3}){2,}|(?:,\d{3})+(?=\.))(\.\d*)?$")


def _ungrouped(text: str) -> str:
    """``text`` with its thousands separators removed, if it is a number so grouped."""
    match = _GROUPED_DIGITS.match(text)
    if match is not None:
        return match.group(1) + _GROUP_SEPARATOR.sub("", match.group(2)) + (match.group(3) or "")
    match = _COMMA_GROUPED_DIGITS.match(text)
    if match is not None:
        return match.group(1) + match.group(2).replace(",", "") + (match.group(3) or "")
    return text


@dataclass(frozen=True)
class AnswerError:
    """A problem with one answer.

    ``code`` is stable (for translation); ``message`` is a default English text, or the
    form's own translated text when ``from_form`` is true (required/constraint messages
    written by the survey author); ``params`` fill placeholders such as ``{minimum}``.
    """

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    from_form: bool = False


MESSAGES = {
    "required": "This question requires an answer.",
    "acknowledge": "Please confirm to continue.",
    "not_integer": "Enter a whole number.",
    "not_decimal": "Enter a number.",
    "not_date": "Enter a date as YYYY-MM-DD.",
    "not_in_choices": "Choose one of the options shown.",
    "ambiguous_number": "Write {thousands} or {decimal}: in {value} the comma could mark "
    "thousands or decimals.",
    "one_choice_only": "Choose only one option.",
    "out_of_range": "Enter a value between {minimum} and {maximum}.",
    "off_step": "Enter a value in steps of {step} from {minimum}.",
    "too_long": "The answer is too long (at most {maximum} characters).",
    "constraint": "This answer is not valid.",
    "not_text": "Enter text.",
}


#: ``not_in_choices`` on check boxes (a select_multiple), where several may be chosen.
MULTIPLE_NOT_IN_CHOICES = "Choose only from the options shown."


def _error(code: str, **params: Any) -> AnswerError:
    return AnswerError(code=code, message=MESSAGES[code].format(**params), params=params)


def answer_error_text(error: AnswerError) -> str:
    """The text of an answer problem in the request's language (the respondent's on a
    survey page, the analyst's for an invalid default on the upload page; English outside
    a request)."""
    if error.from_form:
        return error.message
    params = error.params
    messages = {
        "required": lambda: _("This question requires an answer."),
        "acknowledge": lambda: _("Please confirm to continue."),
        "not_integer": lambda: _("Enter a whole number."),
        "not_decimal": lambda: _("Enter a number."),
        "not_date": lambda: _("Enter a date as YYYY-MM-DD."),
        "not_in_choices": lambda: (
            _("Choose only from the options shown.")
            if params.get("multiple")
            else _("Choose one of the options shown.")
        ),
        "ambiguous_number": lambda: _(
            "Write %(thousands)s or %(decimal)s: in %(value)s the comma could mark thousands "
            "or decimals.",
            thousands=params.get("thousands"),
            decimal=params.get("decimal"),
            value=params.get("value"),
        ),
        "one_choice_only": lambda: _("Choose only one option."),
        "out_of_range": lambda: _(
            "Enter a value between %(minimum)s and %(maximum)s.",
            minimum=params.get("minimum"),
            maximum=params.get("maximum"),
        ),
        "off_step": lambda: _(
            "Enter a value in steps of %(step)s from %(minimum)s.",
            step=params.get("step"),
            minimum=params.get("minimum"),
        ),
        "too_long": lambda: _(
            "The answer is too long (at most %(maximum)s characters).",
            maximum=params.get("maximum"),
        ),
        "constraint": lambda: _("This answer is not valid."),
        "not_text": lambda: _("Enter text."),
    }
    message = messages.get(error.code)
    return message() if message else error.message


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple):
        return all(_is_blank(item) for item in raw)
    return False


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def coerce_answer(question: Question, raw: Any) -> tuple[Any, AnswerError | None]:
    """Convert one raw answer to its clean type: ``(value, None)`` or ``(None, error)``.

    Blank input gives ``(None, None)``. Choice membership is checked separately, because
    it depends on other answers (choice_filter) and on the region registry.
    """
    if _is_blank(raw):
        return None, None
    kind = question.type
    if kind == "select_multiple":
        items = raw if isinstance(raw, list | tuple) else str(raw).split()
        values: list[str] = []
        for item in items:
            for part in str(item).split():
                if part not in values:
                    values.append(part)
        return values, None
    if isinstance(raw, list | tuple):
        if len(raw) != 1:
            return None, _error("one_choice_only" if question.is_select else "not_text")
        raw = raw[0]
    if kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw, None
        text = _ungrouped(str(raw).strip())
        if not _INTEGER_TEXT.match(text):
            return None, _error("not_integer")
        return int(text), None
    if kind in ("decimal", "range"):
        if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            number = Decimal(str(raw))
        else:
            text = str(raw).strip()
            ambiguous = _AMBIGUOUS_COMMA.match(text) if kind == "decimal" else None
            if ambiguous:
                whole, part = ambiguous.groups()
                return None, _error(
                    "ambiguous_number",
                    value=text,
                    thousands=whole + part,
                    decimal=f"{whole}.{part}".rstrip("0").rstrip("."),
                )
            text = _ungrouped(text).replace(",", ".") if kind == "decimal" else text
            if not _DECIMAL_TEXT.match(text):
                return None, _error("not_decimal")
            number = Decimal(text)
        if kind == "decimal":
            return float(number), None
        return _range_value(question, number)
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat(), None
        if isinstance(raw, dt.date):
            return raw.isoformat(), None
        text = str(raw).strip()
        try:
            return dt.date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, _error("not_date")
    if kind == "acknowledge":
        text = str(raw).strip()
        if text.upper() not in ("OK", "TRUE", "1", "YES"):
            return None, _error("acknowledge")
        return "OK", None
    if kind == "note":
        return None, None
    text = str(raw).strip()
    if kind == "text" and len(text) > MAX_TEXT_LENGTH:
        return None, _error("too_long", maximum=MAX_TEXT_LENGTH)
    return text, None


def _range_value(question: Question, number: Decimal) -> tuple[Any, AnswerError | None]:
    start, end, step = parse_range_parameters(question.parameters)
    low, high = min(start, end), max(start, end)
    if not low <= number <= high:
        return None, _error("out_of_range", minimum=_decimal_text(low), maximum=_decimal_text(high))
    try:
        on_step = (number - start) % step == 0
    except InvalidOperation:
        on_step = False
    if not on_step:
        return None, _error("off_step", step=_decimal_text(abs(step)), minimum=_decimal_text(start))
    integral = all(value == value.to_integral_value() for value in (start, step))
    return (int(number) if integral else float(number)), None


# --------------------------------------------------------------------------- visibility


class _ParsedForm:
    """The parsed expressions of one definition (parsing itself is cached per text)."""

    def __init__(self, definition: SurveyDefinition) -> None:
        self.definition = definition
        self.page_relevant = {page.name: _maybe_parse(page.relevant) for page in definition.pages}
        self.relevant = {q.name: _maybe_parse(q.relevant) for q in definition.questions()}
        self.constraint = {q.name: _maybe_parse(q.constraint) for q in definition.questions()}


def _maybe_parse(text: str | None) -> Expression | None:
    return parse_cached(text) if text else None


def _safe_bool(expression: Expression | None, values: Mapping[str, Any], today: dt.date) -> bool:
    """A missing expression is true; an expression failing at run time counts as false."""
    if expression is None:
        return True
    try:
        return expression.evaluate_bool(values, today=today)
    except ExpressionError:
        return False


def _visible(parsed: _ParsedForm, values: Mapping[str, Any], today: dt.date) -> set[str]:
    definition = parsed.definition
    all_names = [question.name for question in definition.questions()]
    visible = set(all_names)
    # Hidden-ness propagates: an answer to a hidden question reads as empty. Iterate to a
    # fixed point so that references to later questions settle too; the bound keeps
    # pathological (oscillating) forms cheap.
    for _round in range(len(all_names) + 1):
        effective = {name: value for name, value in values.items() if name in visible}
        now_visible: set[str] = set()
        for page in definition.pages:
            page_shown = _safe_bool(parsed.page_relevant[page.name], effective, today)
            for question in page.questions:
                if page_shown and _safe_bool(parsed.relevant[question.name], effective, today):
                    now_visible.add(question.name)
                else:
                    effective.pop(question.name, None)
        if now_visible == visible:
            break
        visible = now_visible
    return visible


def visible_questions(
    definition: SurveyDefinition, values: Mapping[str, Any], today: dt.date | None = None
) -> set[str]:
    """Names of the questions shown for these answers (page and question relevance)."""
    return _visible(_ParsedForm(definition), values, today or dt.date.today())


def available_choices(
    definition: SurveyDefinition,
    question: Question,
    values: Mapping[str, Any],
    today: dt.date | None = None,
    region_codes: Iterable[str] | None = None,
) -> list[Choice]:
    """Choices a respondent may pick now: the list after choice_filter.

    For a region question without a list of its own the registry's ``region_codes`` are
    offered (as choices without labels; the renderer names them from the registry).
    """
    choices = definition.choices_for(question)
    if question.region and not choices and region_codes is not None:
        choices = list(_registry_choices(tuple(region_codes)))
    elif question.region and region_codes is not None:
        allowed = set(region_codes)
        choices = [choice for choice in choices if choice.name in allowed]
    if question.choice_filter:
        expression = parse_cached(question.choice_filter)
        day = today or dt.date.today()
        kept = []
        for choice in choices:
            columns = {"name": choice.name, **choice.filters}
            try:
                if expression.evaluate_bool(values, today=day, choice=columns):
                    kept.append(choice)
            except ExpressionError:
                continue
        choices = kept
    return choices


@functools.lru_cache(maxsize=16)
def _registry_choices(codes: tuple[str, ...]) -> tuple[Choice, ...]:
    """The registry's codes as choices; built once per set of codes, not per question check
    (a region question is checked several times per post)."""
    return tuple(Choice(name=code) for code in codes)


# --------------------------------------------------------------------------- validation


def _in_scope(definition: SurveyDefinition, page_name: str | None) -> list[Question]:
    if page_name is None:
        return list(definition.questions())
    return list(definition.page(page_name).questions)


def validate_answers(
    definition: SurveyDefinition,
    page_name: str | None,
    raw_values: Mapping[str, Any],
    today: dt.date | None = None,
    region_codes: Collection[str] | None = None,
    language: str | None = None,
) -> tuple[dict[str, Any], dict[str, AnswerError]]:
    """Check the answers of one page (or the whole survey when ``page_name`` is None).

    ``raw_values`` should hold every answer known so far (earlier pages too), because
    relevance and constraints may refer to them; only the questions in scope are checked
    and returned. Hidden questions are never required and their answers are dropped.
    ``language`` picks the form's own required/constraint messages.
    """
    day = today or dt.date.today()
    parsed = _ParsedForm(definition)
    scope = _in_scope(definition, page_name)
    scope_names = {question.name for question in scope}

    coerced: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    for question in definition.questions():
        if question.name not in raw_values or not question.takes_answer:
            continue
        value, error = coerce_answer(question, raw_values[question.name])
        if error is not None:
            if question.name in scope_names:
                errors[question.name] = error
            continue
        if value is not None:
            coerced[question.name] = value

    visible = _visible(parsed, coerced, day)
    effective = {name: value for name, value in coerced.items() if name in visible}
    clean: dict[str, Any] = {}
    for question in scope:
        name = question.name
        if name not in visible or not question.takes_answer:
            errors.pop(name, None)
            continue
        if name in errors:
            continue
        value = effective.get(name)
        if value is None or value == []:
            if question.required:
                errors[name] = _required_error(definition, question, language)
            continue
        if question.is_select:
            choice_error = _check_choices(definition, question, value, effective, day, region_codes)
            if choice_error is not None:
                errors[name] = choice_error
                continue
        constraint = parsed.constraint[name]
        if constraint is not None:
            try:
                satisfied = constraint.evaluate_bool(effective, current=value, today=day)
            except ExpressionError:
                satisfied = False
            if not satisfied:
                errors[name] = _constraint_error(definition, question, language)
                continue
        clean[name] = value
    return clean, errors


def _check_choices(
    definition: SurveyDefinition,
    question: Question,
    value: Any,
    values: Mapping[str, Any],
    today: dt.date,
    region_codes: Collection[str] | None,
) -> AnswerError | None:
    if question.region and not definition.choices_for(question) and region_codes is None:
        # No list in the form and no registry given: accept any plausible code.
        if len(str(value)) > MAX_REGION_CODE_LENGTH:
            return _error("not_in_choices")
        return None
    allowed = {
        choice.name
        for choice in available_choices(definition, question, values, today, region_codes)
    }
    picked = value if isinstance(value, list) else [value]
    if any(item not in allowed for item in picked):
        if question.type == "select_multiple":
            # "Choose one of the options shown." read as "pick a single one" on check boxes.
            error = _error("not_in_choices", multiple=True)
            return replace(error, message=MULTIPLE_NOT_IN_CHOICES)
        return _error("not_in_choices")
    return None


def _required_error(
    definition: SurveyDefinition, question: Question, language: str | None
) -> AnswerError:
    if question.required_message:
        text = definition.text(question.required_message, language)
        return AnswerError(code="required", message=text, from_form=True)
    if question.type == "acknowledge":
        return _error("acknowledge")
    return _error("required")


def _constraint_error(
    definition: SurveyDefinition, question: Question, language: str | None
) -> AnswerError:
    if question.constraint_message:
        text = definition.text(question.constraint_message, language)
        return AnswerError(code="constraint", message=text, from_form=True)
    return _error("constraint")
