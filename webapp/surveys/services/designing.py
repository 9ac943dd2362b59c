"""The browser designer: edits of a survey definition, checked as an upload is, then saved.

Every edit is a pure function from a :class:`SurveyDefinition` to a new one (the dataclasses
are frozen, so nothing is changed in place). :func:`check` runs the very checks an uploaded
JSON definition goes through (``SurveyDefinition.from_dict``) and, when they fail, finds which
form field each problem is about by undoing one field at a time and seeing which problems go
away; the checks themselves stay in ``definition.py`` only.

Saving goes through :func:`authoring.add_version`, the upload's own path, so the version rule
holds: a version respondents could see is never changed, the edit becomes a new version; an
unpublished one is replaced in place.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from webapp.audit.services import record
from webapp.database import utcnow
from webapp.extensions import db
from webapp.surveys.answers import AnswerError, validate_answers
from webapp.surveys.definition import (
    REGION_LIST_NAMES,
    SELECT_TYPES,
    Choice,
    DefinitionError,
    Page,
    Question,
    SurveyDefinition,
    validate_definition,
)
from webapp.surveys.expressions import ExpressionError, substitute_references
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.services import ImportRefused, SurveyError, _, authoring, responding

#: What the versions table shows as the "file" of a version made in the designer.
DESIGNER_SOURCE = "designer"
#: The languages the designer offers (the platform's interface languages).
DESIGNER_LANGUAGES = ("kk", "ru", "en")
#: The appearance the designer offers, by question type: only words the respondent's page
#: draws differently (a text question with ``multiline`` is a box of several lines). Other
#: words of an uploaded form (``likert``, ``minimal``...) are kept as they are.
DESIGNER_APPEARANCES: dict[str, tuple[str, ...]] = {"text": ("multiline",)}
_OFFERED_APPEARANCES = {word for words in DESIGNER_APPEARANCES.values() for word in words}
#: A name no form field can produce: used to probe which problems a question's name causes.
_PROBE_NAME = "designer_probe_name_0"
#: Where a problem that no single field explains is shown.
GENERAL = ""


class DesignRefused(SurveyError):
    """An edit whose result does not pass the definition checks; nothing was stored.

    ``problems`` lists every finding (for the summary); ``fields`` maps a form field name to
    the findings it explains (shown beside that field).
    """

    def __init__(self, problems: list[str], fields: Mapping[str, list[str]] | None = None) -> None:
        self.problems = list(problems)
        self.fields = {key: list(value) for key, value in (fields or {}).items()}
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class QuestionInput:
    """What the question form edits; other columns (choice_filter, region, appearance words
    the form does not offer...) of an existing question are kept as they are."""

    name: str
    type: str
    label: dict[str, str] = field(default_factory=dict)
    hint: dict[str, str] = field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    choice_list: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    #: One of DESIGNER_APPEARANCES[type], or blank for the plain look.
    appearance: str | None = None


@dataclass(frozen=True)
class PageInput:
    name: str
    label: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None


@dataclass(frozen=True)
class ChoiceInput:
    """One row of the choice-list form; ``original`` is the row's index in the stored list
    (None for a new row), so that columns the form does not show (filters) are kept."""

    name: str
    label: dict[str, str] = field(default_factory=dict)
    original: int | None = None


def texts(values: Mapping[str, str | None]) -> dict[str, str]:
    """Texts per language with blanks left out (an empty label is no label)."""
    return {code: text.strip() for code, text in values.items() if text and text.strip()}


def optional(value: str | None) -> str | None:
    """A blank expression or default is none."""
    value = (value or "").strip()
    return value or None


# --------------------------------------------------------------------------- checking


def problems_of(definition: SurveyDefinition) -> list[str]:
    """The upload's checks: the JSON reader and ``validate_definition``."""
    problems = validate_definition(definition)
    if problems:
        return problems
    try:
        SurveyDefinition.from_dict(definition.to_dict())
    except DefinitionError as error:
        return error.problems
    return []


def check(
    definition: SurveyDefinition,
    probes: Iterable[tuple[str, Callable[[SurveyDefinition], SurveyDefinition]]] = (),
) -> SurveyDefinition:
    """Return ``definition`` if it passes the checks, else raise :class:`DesignRefused`.

    Each probe is (field, undo): ``undo`` returns the definition with that field back to a
    blank value. A problem that disappears when a field is undone is shown beside it; the
    first probe that explains a problem wins.
    """
    problems = problems_of(definition)
    if not problems:
        return definition
    fields: dict[str, list[str]] = {}
    left = list(problems)
    for name, undo in probes:
        if not left:
            break
        try:
            remaining = set(validate_definition(undo(definition)))
        except (KeyError, ValueError):
            continue
        explained = [problem for problem in left if problem not in remaining]
        if explained:
            fields.setdefault(name, []).extend(explained)
            left = [problem for problem in left if problem in remaining]
    if left:
        fields.setdefault(GENERAL, []).extend(left)
    raise DesignRefused(problems, fields)


# --------------------------------------------------------------------------- helpers


def _replace_question(
    definition: SurveyDefinition, name: str, change: Callable[[Question], Question]
) -> SurveyDefinition:
    pages = [
        dataclasses.replace(
            page,
            questions=[change(q) if q.name == name else q for q in page.questions],
        )
        for page in definition.pages
    ]
    return dataclasses.replace(definition, pages=pages)


def _replace_page(
    definition: SurveyDefinition, name: str, change: Callable[[Page], Page]
) -> SurveyDefinition:
    pages = [change(page) if page.name == name else page for page in definition.pages]
    return dataclasses.replace(definition, pages=pages)


def moved(items: list[Any], index: int, direction: str) -> list[Any]:
    """``items`` with the one at ``index`` swapped with its neighbour (up or down)."""
    target = index - 1 if direction == "up" else index + 1
    # The index comes from a posted button (``move=<n>:up``): one past the end is tampered.
    if direction not in ("up", "down") or not (
        0 <= index < len(items) and 0 <= target < len(items)
    ):
        return list(items)
    items = list(items)
    items[index], items[target] = items[target], items[index]
    return items


def _rewrite_pages(
    definition: SurveyDefinition,
    per_language: Callable[[dict[str, str]], dict[str, str]],
    expression: Callable[[str | None], str | None] = lambda text: text,
) -> SurveyDefinition:
    """``definition`` with ``per_language`` applied to every text per language of its pages and
    questions (labels, hints, messages) and ``expression`` to every expression of them
    (relevance, constraints, choice filters). The title and choice lists are left as they are."""

    def question(q: Question) -> Question:
        return dataclasses.replace(
            q,
            label=per_language(q.label),
            hint=per_language(q.hint),
            constraint_message=per_language(q.constraint_message),
            required_message=per_language(q.required_message),
            relevant=expression(q.relevant),
            constraint=expression(q.constraint),
            choice_filter=expression(q.choice_filter),
        )

    pages = [
        dataclasses.replace(
            page,
            label=per_language(page.label),
            relevant=expression(page.relevant),
            questions=[question(q) for q in page.questions],
        )
        for page in definition.pages
    ]
    return dataclasses.replace(definition, pages=pages)


_PIPED = "${%s}"


def _rename_references(definition: SurveyDefinition, old: str, new: str) -> SurveyDefinition:
    """Point every ``${old}`` (expressions, piped text in labels, calculations) at ``${new}``."""
    replacement = {old: _PIPED % new}
    pattern = re.compile(re.escape(_PIPED % old))

    def expression(text: str | None) -> str | None:
        if text is None or _PIPED % old not in text:
            return text
        try:
            return substitute_references(text, replacement)
        except ExpressionError:  # the checks will name the broken expression
            return text

    def labels(values: dict[str, str]) -> dict[str, str]:
        return {code: pattern.sub(_PIPED % new, text) for code, text in values.items()}

    renamed = _rewrite_pages(definition, labels, expression)
    calculations = {
        name: expression(formula) or formula for name, formula in definition.calculations.items()
    }
    return dataclasses.replace(renamed, calculations=calculations)


def _find_question(definition: SurveyDefinition, name: str) -> Question:
    try:
        return definition.question(name)
    except KeyError:
        raise DesignRefused(
            [_("There is no question %(name)s any more; reload the page.", name=repr(name))]
        ) from None


def _find_page(definition: SurveyDefinition, name: str) -> Page:
    try:
        return definition.page(name)
    except KeyError:
        raise DesignRefused(
            [_("There is no page %(name)s any more; reload the page.", name=repr(name))]
        ) from None


# --------------------------------------------------------------------------- survey


def new_definition(
    *,
    form_id: str,
    title: Mapping[str, str],
    languages: list[str],
    default_language: str,
    page: PageInput,
    question: QuestionInput,
) -> SurveyDefinition:
    """A survey from scratch: its settings and a first page with a first question (a survey
    without questions is not one the checks accept)."""
    definition = SurveyDefinition(
        form_id=form_id.strip(),
        title=texts(title),
        languages=list(languages),
        default_language=default_language,
        pages=[
            Page(
                name=page.name.strip(),
                label=texts(page.label),
                relevant=optional(page.relevant),
                questions=[_new_question(question)],
            )
        ],
    )
    _refuse_without_title(definition)
    return check(definition, [*_settings_probes(), *_question_probes(question.name.strip())])


def _refuse_without_title(definition: SurveyDefinition) -> None:
    """A survey needs a title in one of its languages: respondents, the survey list and the
    results name it by its title (an untitled one was listed as an empty link)."""
    if not definition.languages or any(definition.title.get(c) for c in definition.languages):
        return  # (a survey without languages is refused by the checks, with its reason)
    problem = _("Give the survey a title in at least one of its languages.")
    raise DesignRefused([problem], {f"title_{definition.default_language}": [problem]})


def _settings_probes() -> list[tuple[str, Callable[[SurveyDefinition], SurveyDefinition]]]:
    """Undo the form id or the default language (see :func:`check`)."""

    def undo_form_id(d: SurveyDefinition) -> SurveyDefinition:
        return dataclasses.replace(d, form_id=_PROBE_NAME)

    def undo_default_language(d: SurveyDefinition) -> SurveyDefinition:
        return dataclasses.replace(d, default_language=(d.languages or [""])[0])

    return [("form_id", undo_form_id), ("default_language", undo_default_language)]


def update_settings(
    definition: SurveyDefinition,
    *,
    form_id: str,
    title: Mapping[str, str],
    languages: list[str],
    default_language: str,
) -> SurveyDefinition:
    """Title, form id and languages. Texts in a language taken off the list are dropped."""
    keep = set(languages)

    def only(values: dict[str, str]) -> dict[str, str]:
        return {code: text for code, text in values.items() if code in keep}

    candidate = dataclasses.replace(
        _rewrite_pages(definition, only),
        form_id=form_id.strip(),
        title=only(texts(title)),
        languages=list(languages),
        default_language=default_language,
        choice_lists={
            name: [dataclasses.replace(c, label=only(c.label)) for c in choices]
            for name, choices in definition.choice_lists.items()
        },
    )
    _refuse_without_title(candidate)
    return check(candidate, _settings_probes())


# --------------------------------------------------------------------------- questions


def _new_question(data: QuestionInput, base: Question | None = None) -> Question:
    """The question as the form describes it, keeping the columns the form does not show."""
    is_select = data.type in SELECT_TYPES
    base = base or Question(name=data.name, type=data.type)
    return dataclasses.replace(
        base,
        name=data.name.strip(),
        type=data.type,
        label=texts(data.label),
        hint=texts(data.hint),
        required=data.required,
        relevant=optional(data.relevant),
        constraint=optional(data.constraint),
        constraint_message=texts(data.constraint_message),
        default=optional(data.default),
        choice_list=optional(data.choice_list) if is_select else None,
        choice_filter=base.choice_filter if is_select else None,
        # A select_one on a list named region(s) asks for a unit of the region registry, as
        # in an uploaded XLSForm: its answer is the response's region, and the list may be
        # left out (the registry's units are offered).
        region=data.type == "select_one"
        and (base.region or optional(data.choice_list) in REGION_LIST_NAMES),
        parameters=(
            {
                key: value.strip()
                for key, value in data.parameters.items()
                if value and value.strip()
            }
            if data.type == "range"
            else {}
        ),
        appearance=_appearance(data, base.appearance),
    )


def _appearance(data: QuestionInput, before: str | None) -> str | None:
    """The words of ``before`` the form does not offer, and the one chosen if this type
    offers it (a number question keeps no 'multiline')."""
    kept = [word for word in (before or "").split() if word not in _OFFERED_APPEARANCES]
    chosen = optional(data.appearance)
    if chosen in DESIGNER_APPEARANCES.get(data.type, ()):
        kept.append(chosen)
    return " ".join(kept) or None


def _question_probes(
    name: str,
) -> list[tuple[str, Callable[[SurveyDefinition], SurveyDefinition]]]:
    """Undo one field of question ``name`` at a time (see :func:`check`)."""

    def undo(**changes: Any) -> Callable[[SurveyDefinition], SurveyDefinition]:
        return lambda d: _replace_question(d, name, lambda q: dataclasses.replace(q, **changes))

    def undo_type(d: SurveyDefinition) -> SurveyDefinition:
        return _replace_question(
            d,
            name,
            lambda q: dataclasses.replace(
                q, type="text", choice_list=None, choice_filter=None, parameters={}, region=False
            ),
        )

    def undo_name(d: SurveyDefinition) -> SurveyDefinition:
        return _replace_question(d, name, lambda q: dataclasses.replace(q, name=_PROBE_NAME))

    return [
        ("relevant", undo(relevant=None)),
        ("constraint", undo(constraint=None)),
        ("default", undo(default=None)),
        ("range", undo(parameters={})),
        ("required", undo(required=False)),
        ("choice_list", undo_type),
        ("name", undo_name),
    ]


def save_question(
    definition: SurveyDefinition,
    data: QuestionInput,
    *,
    page: str,
    original: str | None = None,
    new_page: PageInput | None = None,
) -> SurveyDefinition:
    """Add a question at the end of ``page`` (``original`` None) or change question
    ``original``. A question given another page moves to the end of it; ``new_page`` adds
    that page after the current one. Renaming a question updates the ``${name}`` references
    to it."""
    current_page: Page | None = None
    if original is not None:
        existing = _find_question(definition, original)
        current_page = definition.page_of(original)
        question = _new_question(data, existing)
    else:
        question = _new_question(data)
    if new_page is None:
        target = _find_page(definition, page)
    else:
        target = Page(
            name=new_page.name.strip(),
            label=texts(new_page.label),
            relevant=optional(new_page.relevant),
        )
    pages: list[Page] = []
    for each in definition.pages:
        questions = list(each.questions)
        if current_page is not None and each.name == current_page.name:
            index = next(i for i, q in enumerate(questions) if q.name == original)
            if new_page is None and each.name == target.name:  # changed where it is
                questions[index] = question
            else:  # moved away
                del questions[index]
        elif new_page is None and each.name == target.name:  # added or moved here
            questions.append(question)
        pages.append(dataclasses.replace(each, questions=questions))
        if new_page is not None and current_page is not None and each.name == current_page.name:
            pages.append(dataclasses.replace(target, questions=[question]))
    if new_page is not None and current_page is None:
        pages.append(dataclasses.replace(target, questions=[question]))
    candidate = dataclasses.replace(definition, pages=pages)
    if original is not None and original != question.name:
        candidate = _rename_references(candidate, original, question.name)
    probes = _question_probes(question.name)
    if new_page is not None:
        probes = [*_page_probes(target.name, prefix="page_"), *probes]
    return check(candidate, probes)


def delete_question(definition: SurveyDefinition, name: str) -> SurveyDefinition:
    """Remove a question; refused when others still refer to it or its page would be empty."""
    _find_question(definition, name)
    candidate = dataclasses.replace(
        definition,
        pages=[
            dataclasses.replace(page, questions=[q for q in page.questions if q.name != name])
            for page in definition.pages
        ],
    )
    return check(candidate)


def move_question(definition: SurveyDefinition, name: str, direction: str) -> SurveyDefinition:
    """Swap a question with its neighbour on the same page (``up`` or ``down``)."""
    page = definition.page_of(_find_question(definition, name).name)
    index = next(i for i, q in enumerate(page.questions) if q.name == name)
    candidate = _replace_page(
        definition,
        page.name,
        lambda p: dataclasses.replace(p, questions=moved(p.questions, index, direction)),
    )
    return check(candidate)


# --------------------------------------------------------------------------- pages


def _page_probes(
    name: str, prefix: str = ""
) -> list[tuple[str, Callable[[SurveyDefinition], SurveyDefinition]]]:
    def undo_relevant(d: SurveyDefinition) -> SurveyDefinition:
        return _replace_page(d, name, lambda p: dataclasses.replace(p, relevant=None))

    def undo_name(d: SurveyDefinition) -> SurveyDefinition:
        return _replace_page(d, name, lambda p: dataclasses.replace(p, name=_PROBE_NAME))

    return [(f"{prefix}relevant", undo_relevant), (f"{prefix}name", undo_name)]


def save_page(definition: SurveyDefinition, data: PageInput, original: str) -> SurveyDefinition:
    """Change a page's name, label and relevance (its questions stay)."""
    _find_page(definition, original)
    candidate = _replace_page(
        definition,
        original,
        lambda p: dataclasses.replace(
            p, name=data.name.strip(), label=texts(data.label), relevant=optional(data.relevant)
        ),
    )
    return check(candidate, _page_probes(data.name.strip()))


def delete_page(definition: SurveyDefinition, name: str) -> SurveyDefinition:
    """Remove a page with its questions; refused when other questions refer to them."""
    _find_page(definition, name)
    candidate = dataclasses.replace(
        definition, pages=[page for page in definition.pages if page.name != name]
    )
    return check(candidate)


def move_page(definition: SurveyDefinition, name: str, direction: str) -> SurveyDefinition:
    _find_page(definition, name)
    index = next(i for i, page in enumerate(definition.pages) if page.name == name)
    candidate = dataclasses.replace(definition, pages=moved(definition.pages, index, direction))
    return check(candidate)


# --------------------------------------------------------------------------- choice lists


def list_users(definition: SurveyDefinition, list_name: str) -> list[str]:
    """Names of the questions that take their choices from ``list_name``."""
    return [q.name for q in definition.questions() if q.choice_list == list_name]


def save_choice_list(
    definition: SurveyDefinition,
    name: str,
    rows: list[ChoiceInput],
    original: str | None = None,
) -> SurveyDefinition:
    """Create or change a choice list. Rows without a name or label are left out (the form's
    blank rows); renaming the list points its questions at the new name. Problems about one
    row are shown beside that row (field ``choice-<n>``)."""
    name = name.strip()
    if original is not None and original not in definition.choice_lists:
        raise DesignRefused(
            [_("There is no choice list %(name)s any more; reload the page.", name=repr(original))]
        )
    if name != original and name in definition.choice_lists:
        taken = _("There is already a choice list called %(name)s.", name=repr(name))
        raise DesignRefused([taken], {"name": [taken]})
    old = definition.choice_lists.get(original, []) if original is not None else []
    kept: list[tuple[int, Choice]] = []
    for number, row in enumerate(rows):
        labels = texts(row.label)
        if not row.name.strip() and not labels:
            continue
        base = old[row.original] if row.original is not None and row.original < len(old) else None
        filters = dict(base.filters) if base is not None else {}
        kept.append((number, Choice(name=row.name.strip(), label=labels, filters=filters)))
    choices = [choice for _number, choice in kept]
    if original is None:
        lists = {**definition.choice_lists, name: choices}
    else:  # same place in the list of lists, under its (new) name
        lists = {
            (name if key == original else key): (choices if key == original else list(value))
            for key, value in definition.choice_lists.items()
        }
    candidate = dataclasses.replace(definition, choice_lists=lists)
    if original is not None and original != name:
        candidate = dataclasses.replace(
            candidate,
            pages=[
                dataclasses.replace(
                    page,
                    questions=[
                        dataclasses.replace(q, choice_list=name) if q.choice_list == original else q
                        for q in page.questions
                    ],
                )
                for page in candidate.pages
            ],
        )

    def without_row(position: int) -> Callable[[SurveyDefinition], SurveyDefinition]:
        def undo(d: SurveyDefinition) -> SurveyDefinition:
            choices = [c for i, c in enumerate(d.choice_lists[name]) if i != position]
            return dataclasses.replace(d, choice_lists={**d.choice_lists, name: choices})

        return undo

    probes: list[tuple[str, Callable[[SurveyDefinition], SurveyDefinition]]] = [
        (f"choice-{number}", without_row(position))
        for position, (number, _choice) in reversed(list(enumerate(kept)))
    ]
    return check(candidate, probes)


def delete_choice_list(definition: SurveyDefinition, name: str) -> SurveyDefinition:
    """Remove a choice list; refused (by the checks) while a question uses it."""
    if name not in definition.choice_lists:
        raise DesignRefused(
            [_("There is no choice list %(name)s any more; reload the page.", name=repr(name))]
        )
    lists = {key: value for key, value in definition.choice_lists.items() if key != name}
    return check(dataclasses.replace(definition, choice_lists=lists))


# --------------------------------------------------------------------------- storing


def editing_version(survey: Survey) -> SurveyVersion | None:
    """The version the designer shows, previews and edits: the working copy when there is
    one, else the current version (what respondents get)."""
    return authoring.working_copy(survey) or survey.current_version


def has_working_copy(survey: Survey) -> bool:
    """True when a working copy of the next version exists beside the current version."""
    copy = authoring.working_copy(survey)
    return copy is not None and copy.id != survey.current_version_id


def editing_makes_new_version(survey: Survey) -> bool:
    """True when saving an edit starts (or goes into) a working copy of a next version: the
    current one was published or answered, so it is never changed."""
    version = survey.current_version
    return version is not None and (
        version.published_at is not None or _first_response(version) is not None
    )


def _first_response(version: SurveyVersion) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.min(SurveyResponse.submitted_at)).where(
            SurveyResponse.survey_version_id == version.id
        )
    )


def open_working_copy(survey: Survey, *, actor: Any) -> SurveyVersion:
    """The working copy the designer edits, started as a copy of the current version (with
    the next number) when there is none; flushes.

    A current version that already has responses counts as published even if it was never
    marked so (respondents saw it): it is marked first, so it is never edited. Two analysts
    starting a copy at once cannot make two: the second insert breaks the unique number and
    the one-working-copy index, and is refused with a message (SurveyError).
    """
    current = survey.current_version
    if current is None:
        raise SurveyError(_("This survey has no questions to edit."))
    if current.published_at is None:
        first = _first_response(current)
        if first is not None:
            current.published_at = first
            db.session.flush()
    copy = authoring.working_copy(survey)
    if copy is not None:
        return copy
    copy = SurveyVersion(
        survey_id=survey.id,
        number=authoring.next_version_number(survey),
        definition=dict(current.definition),
        source_filename=current.source_filename,
        created_by_id=getattr(actor, "id", None),
    )
    authoring.store_new_version(copy)
    record(
        "survey.working_copy",
        "survey",
        survey.id,
        {"version": copy.number, "from_version": current.number},
        actor=actor,
    )
    return copy


def _gone() -> DesignRefused:
    return DesignRefused(
        [
            _(
                "The working copy was published or discarded meanwhile; nothing was saved. "
                "Reload the designer to see the survey as it is now."
            )
        ]
    )


def save_design(
    survey: Survey, definition: SurveyDefinition, *, actor: Any, change: dict[str, Any]
) -> SurveyVersion:
    """Store an edited definition in the working copy (started when there is none); flushes.

    The version respondents get is never touched: on an open or closed survey the edit goes
    into the unpublished next version until :func:`publish_changes`; on a draft survey the
    current version is the working copy, edited in place. The write is conditional on the
    copy still being unpublished, so an edit racing a publish or a discard is refused instead
    of changing a published version.
    """
    check(definition)
    try:
        authoring.check_platform_fit(definition)
    except ImportRefused as refusal:
        raise DesignRefused([problem.message for problem in refusal.problems]) from refusal
    try:
        copy = open_working_copy(survey, actor=actor)
    except SurveyError as error:
        raise DesignRefused([str(error)]) from error
    stored = db.session.execute(
        sa.update(SurveyVersion)
        .where(SurveyVersion.id == copy.id, SurveyVersion.published_at.is_(None))
        .values(
            definition=definition.to_dict(),
            source_filename=DESIGNER_SOURCE,
            created_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if stored.rowcount != 1:
        raise _gone()
    db.session.refresh(copy)
    if copy.id == survey.current_version_id:
        survey.bound_region_code = definition.bound_region
        db.session.flush()
    record(
        "survey.design",
        "survey",
        survey.id,
        {"version": copy.number, **change},
        actor=actor,
    )
    return copy


def publish_changes(survey: Survey, *, actor: Any) -> SurveyVersion:
    """Make the working copy the current version, in one transaction (the caller commits):
    new respondents get it from then on; stored responses and half-filled drafts keep the
    version they started on. Refused for a draft survey (opening it publishes) and when there
    is no working copy (published or discarded meanwhile: the update is conditional)."""
    copy = authoring.working_copy(survey)
    if survey.state == "draft":
        raise SurveyError(_("A draft survey is published by opening it."))
    if copy is None:
        raise SurveyError(
            _("There are no unpublished changes: they were published or discarded meanwhile.")
        )
    definition = copy.load()
    check(definition)
    try:
        authoring.check_platform_fit(definition)
    except ImportRefused as refusal:
        raise DesignRefused([problem.message for problem in refusal.problems]) from refusal
    previous = survey.current_version
    published = db.session.execute(
        sa.update(SurveyVersion)
        .where(SurveyVersion.id == copy.id, SurveyVersion.published_at.is_(None))
        .values(published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if published.rowcount != 1:
        raise SurveyError(
            _("There are no unpublished changes: they were published or discarded meanwhile.")
        )
    db.session.refresh(copy)
    survey.current_version = copy
    survey.bound_region_code = definition.bound_region
    db.session.flush()
    record(
        "survey.publish_changes",
        "survey",
        survey.id,
        {"version": copy.number, "previous_version": previous.number if previous else None},
        actor=actor,
    )
    return copy


def discard_changes(survey: Survey, *, actor: Any) -> int:
    """Drop the working copy (never the current version); returns its number. Nothing of it
    was visible to respondents, and no response or draft can refer to it."""
    copy = authoring.working_copy(survey)
    if copy is None or copy.id == survey.current_version_id:
        raise SurveyError(
            _("There are no unpublished changes: they were published or discarded meanwhile.")
        )
    number = copy.number
    deleted = db.session.execute(
        sa.delete(SurveyVersion)
        .where(SurveyVersion.id == copy.id, SurveyVersion.published_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    if deleted.rowcount != 1:
        raise SurveyError(
            _("There are no unpublished changes: they were published or discarded meanwhile.")
        )
    db.session.expunge(copy)
    db.session.expire(survey, ["versions"])
    record("survey.discard_changes", "survey", survey.id, {"version": number}, actor=actor)
    return number


def create_designed_survey(
    definition: SurveyDefinition, *, slug: str | None, audience: str, actor: Any
) -> Survey:
    """Store a survey designed from scratch, as a draft, through the upload's path."""
    check(definition)
    try:
        survey = authoring.create_survey(
            definition,
            slug=slug,
            audience=audience,
            source_filename=DESIGNER_SOURCE,
            created_by=actor,
        )
    except ImportRefused as refusal:
        raise DesignRefused([problem.message for problem in refusal.problems]) from refusal
    record("survey.design", "survey", survey.id, {"version": 1, "change": "create"}, actor=actor)
    return survey


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class PreviewStep:
    """Where a preview goes after a page post: ``page_index`` None once the last page is
    answered without problems. Nothing is stored; the answers travel in the page."""

    page_index: int | None
    answers: dict[str, Any]
    errors: dict[str, AnswerError] = field(default_factory=dict)


def preview_answers(text: str | None) -> dict[str, Any]:
    """The preview's answers so far from its hidden field (anything odd counts as none)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): value
        for name, value in data.items()
        if isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    }


def preview_step(
    definition: SurveyDefinition,
    page_index: int,
    answers: Mapping[str, Any],
    form: Any,
    action: str,
    language: str,
    today: date,
) -> PreviewStep:
    """A page post in the preview, with the respondent pages' own rules (skip logic,
    required answers, constraints), minus the storing."""
    if not 0 <= page_index < len(definition.pages):
        page_index = 0
    codes = responding.region_codes()
    values = responding.page_values(definition, page_index, form)
    raw = responding.merge_page(definition, page_index, answers, values)
    state = responding.progress(definition, raw, codes)
    if action == "back":
        earlier = [index for index in state.pages if index < page_index]
        return PreviewStep(earlier[-1] if earlier else page_index, raw)
    later = [index for index in state.pages if index > page_index]
    scope = definition.pages[page_index].name if later else None
    _clean, errors = validate_answers(
        definition, scope, raw, today=today, region_codes=codes, language=language
    )
    if errors:
        first = min(definition.pages.index(definition.page_of(name)) for name in errors)
        shown = (
            page_index
            if any(
                definition.page_of(name).name == definition.pages[page_index].name
                for name in errors
            )
            else first
        )
        names = {question.name for question in definition.pages[shown].questions}
        return PreviewStep(
            shown, raw, {name: error for name, error in errors.items() if name in names}
        )
    return PreviewStep(later[0] if later else None, raw)
