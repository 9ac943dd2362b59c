"""Forms of the browser designer. Fields per language are added for the survey's own
languages, so the classes are built per request (``*_form`` functions)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.i18n import LANGUAGE_NAMES
from webapp.surveys.definition import QUESTION_TYPES, SELECT_TYPES
from webapp.surveys.forms import (
    AUDIENCE_LABELS,
    ChoiceField,
    MultipleChoiceField,
    NamedErrorsForm,
    select_choices,
    slug_field,
)
from webapp.surveys.services.designing import DESIGNER_LANGUAGES

TYPE_LABELS = {
    "text": _l("Text"),
    "integer": _l("Whole number"),
    "decimal": _l("Decimal number"),
    "select_one": _l("One choice from a list"),
    "select_multiple": _l("Several choices from a list"),
    "date": _l("Date"),
    "note": _l("Note (shows text, takes no answer)"),
    "acknowledge": _l("Acknowledgement (a box to tick)"),
    "range": _l("Range (a number on a scale)"),
}
#: The first question of a new survey cannot be a select: there is no choice list yet.
FIRST_QUESTION_TYPES = tuple(code for code in QUESTION_TYPES if code not in SELECT_TYPES)
#: Value of the page field that asks for a new page.
NEW_PAGE = "+new"
#: Blank rows offered for new choices in the choice-list form: a five-point scale is typed in
#: one go.
BLANK_CHOICE_ROWS = 5

_NAME_RULE = Regexp(
    r"^[A-Za-z_][A-Za-z0-9_\-.]*$",
    message=_l("Start with a letter and use only letters, digits, '_', '-' and '.'."),
)


def _name_field(label: Any) -> StringField:
    """A required name that conditions and exports refer to (form id, question, page, list)."""
    return StringField(label, validators=[InputRequired(), Length(max=80), _NAME_RULE])


class MultiCheckboxField(MultipleChoiceField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def type_choices(types: tuple[str, ...] = QUESTION_TYPES) -> list[Any]:
    return select_choices((code, f"{TYPE_LABELS[code]} ({code})") for code in types)


def _in_language(text: str, code: str) -> str:
    return f"{text} ({LANGUAGE_NAMES.get(code, code)})"


def _add_texts(form_class: type, prefix: str, title: str, languages: list[str]) -> None:
    for code in languages:
        setattr(
            form_class,
            f"{prefix}_{code}",
            TextAreaField(
                _in_language(title, code), validators=[Length(max=4000)], render_kw={"rows": 2}
            ),
        )


def _add_titles(form_class: type, languages: Iterable[str]) -> None:
    """The survey's title, one line per language (``title_<code>``)."""
    for code in languages:
        setattr(
            form_class,
            f"title_{code}",
            StringField(_in_language(gettext("Title"), code), validators=[Length(max=300)]),
        )


class _SettingsBase(NamedErrorsForm):
    form_id = _name_field(_l("Form id"))
    languages = MultiCheckboxField(
        _l("Languages of the survey"),
        choices=select_choices((code, LANGUAGE_NAMES[code]) for code in DESIGNER_LANGUAGES),
    )
    default_language = ChoiceField(
        _l("Default language"),
        choices=select_choices((code, LANGUAGE_NAMES[code]) for code in DESIGNER_LANGUAGES),
    )


def settings_form(languages: list[str], **kwargs: Any) -> FlaskForm:
    """Title per language: kk, ru, en (the title of a language added now) and any other
    language an uploaded form already has, which is kept unless taken off."""
    offered = [(code, LANGUAGE_NAMES.get(code, code)) for code in languages]

    class SettingsForm(_SettingsBase):
        languages = MultiCheckboxField(
            _l("Languages of the survey"), choices=select_choices(offered)
        )
        default_language = ChoiceField(_l("Default language"), choices=select_choices(offered))

    _add_titles(SettingsForm, languages)
    return SettingsForm(**kwargs)


def new_survey_form(**kwargs: Any) -> FlaskForm:
    """Settings, address, audience and the first question."""

    class NewSurveyForm(_SettingsBase):
        slug = slug_field()
        audience = ChoiceField(_l("Who answers"), choices=select_choices(AUDIENCE_LABELS.items()))
        question_name = _name_field(_l("Name of the first question"))
        question_type = ChoiceField(_l("Type"), choices=type_choices(FIRST_QUESTION_TYPES))

    _add_titles(NewSurveyForm, DESIGNER_LANGUAGES)
    _add_texts(NewSurveyForm, "question_label", gettext("Question"), list(DESIGNER_LANGUAGES))
    return NewSurveyForm(**kwargs)


def question_form(
    languages: list[str], pages: list[tuple[str, str]], lists: list[tuple[str, str]], **kwargs: Any
) -> FlaskForm:
    """One question; ``pages`` and ``lists`` are (name, label) pairs of pages and choice lists."""

    class QuestionForm(NamedErrorsForm):
        name = _name_field(_l("Name"))
        type = ChoiceField(_l("Type"), choices=type_choices())
        page = ChoiceField(
            _l("Page"),
            choices=select_choices([*pages, (NEW_PAGE, gettext("A new page (name it below)"))]),
        )
        page_name = StringField(_l("Name of the new page"), validators=[Length(max=80)])
        required = BooleanField(_l("An answer is required"))
        relevant = StringField(_l("Ask only if (relevant)"), validators=[Length(max=2000)])
        constraint = StringField(_l("Constraint"), validators=[Length(max=2000)])
        default = StringField(_l("Default answer"), validators=[Length(max=500)])
        choice_list = ChoiceField(
            _l("Choice list"),
            choices=select_choices([("", gettext("None")), *lists]),
        )
        appearance = ChoiceField(
            _l("Answer box"),
            default="",
            choices=select_choices(
                [("", gettext("One line")), ("multiline", gettext("Several lines (multiline)"))]
            ),
        )
        range_start = StringField(_l("Start"), validators=[Length(max=30)])
        range_end = StringField(_l("End"), validators=[Length(max=30)])
        range_step = StringField(_l("Step"), validators=[Length(max=30)])

    _add_texts(QuestionForm, "label", gettext("Question"), languages)
    _add_texts(QuestionForm, "hint", gettext("Hint"), languages)
    _add_texts(QuestionForm, "constraint_message", gettext("Constraint message"), languages)
    _add_texts(QuestionForm, "page_label", gettext("Title of the new page"), languages)
    return QuestionForm(**kwargs)


def page_form(languages: list[str], **kwargs: Any) -> FlaskForm:
    class PageForm(NamedErrorsForm):
        name = _name_field(_l("Name"))
        relevant = StringField(_l("Show only if (relevant)"), validators=[Length(max=2000)])

    _add_texts(PageForm, "label", gettext("Title"), languages)
    return PageForm(**kwargs)


class ChoiceListForm(NamedErrorsForm):
    """The list's name; its rows are plain inputs (``choice-<n>-...``) read by the view."""

    name = _name_field(_l("Name of the list"))
