"""Staff forms: survey upload, lifecycle, invitations, councils. Respondent pages are built
from the survey definition instead (see ``services.responding.page_view``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from webapp.form_choices import select_choices
from webapp.security import SafeNumberRange
from webapp.surveys.services.authoring import MAX_INVITATIONS_PER_BATCH

AUDIENCE_LABELS = {
    "public": _l("Public link (anonymous)"),
    "invitation": _l("Invitation links (anonymous, one response each)"),
    "council": _l("Public council members (signed in, attributed to their council)"),
}
LEVEL_LABELS = {"republican": _l("Republican"), "local": _l("Local")}
UPLOAD_EXTENSIONS = ["xlsx", "xls", "json"]


class NamedErrorsForm(FlaskForm):
    """A form whose every field error names its field ("State body: choose one of the
    options."): the error summary at the top of a page lists the messages alone, and
    WTForms' own ("Not a valid choice.", "This field is required.") did not say which field
    they were about, nor were they in kk or ru."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            for form_field in self:
                if form_field.errors and form_field.type != "CSRFTokenField":
                    form_field.errors = [
                        gettext(
                            "%(field)s: %(problem)s",
                            field=str(form_field.label.text),
                            problem=str(problem),
                        )
                        for problem in form_field.errors
                    ]
        return valid


def _missing(field: Any) -> bool:
    """True when the post left the field out or sent it empty (a stale or tampered form)."""
    return not field.raw_data or not any(str(value).strip() for value in field.raw_data)


class ChoiceField(SelectField):
    """A select that says, in the page's language, whether its value was missing or is not
    one of the options (a tampered post, or an option removed since the page was shown)."""

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            if _missing(self):
                raise ValidationError(gettext("choose one of the options.")) from None
            raise ValidationError(
                gettext("the value sent is not one of the options; choose one from the list.")
            ) from None


class MultipleChoiceField(SelectMultipleField):
    """Several choices; refuses values that are not among the options, as :class:`ChoiceField`."""

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(
                gettext("a value sent is not one of the options; choose from the list.")
            ) from None


def slug_field() -> StringField:
    """The optional public address (/s/<slug>) of a new survey, uploaded or designed."""
    return StringField(
        _l("Address (optional)"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
                message=_l("Use lower-case letters, digits and '-' only."),
            ),
        ],
    )


class UploadSurveyForm(NamedErrorsForm):
    file = FileField(
        _l("XLSForm (.xlsx, .xls) or survey definition (.json)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(UPLOAD_EXTENSIONS, _l("Upload an .xlsx, .xls or .json file.")),
        ],
    )
    slug = slug_field()
    audience = ChoiceField(_l("Who answers"), choices=select_choices(AUDIENCE_LABELS.items()))
    state_body = ChoiceField(_l("State body (council feedback)"), coerce=str, choices=[])
    note = TextAreaField(_l("Note shown with the survey (optional)"), validators=[Length(max=2000)])


class NewVersionForm(NamedErrorsForm):
    file = FileField(
        _l("New XLSForm or definition"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(UPLOAD_EXTENSIONS, _l("Upload an .xlsx, .xls or .json file.")),
        ],
    )


class DatesForm(NamedErrorsForm):
    """Times in the platform's time zone, the one every page shows them in."""

    opens_at = DateTimeLocalField(
        _l("Opens (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )


class InvitationsForm(NamedErrorsForm):
    count = IntegerField(
        _l("Number of invitations"),
        default=10,
        validators=[DataRequired(), SafeNumberRange(min=1, max=MAX_INVITATIONS_PER_BATCH)],
    )


class StateBodyForm(NamedErrorsForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=300)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    level = ChoiceField(_l("Level"), choices=select_choices(LEVEL_LABELS.items()))
    region = ChoiceField(_l("Region (local bodies)"), choices=[])


class CouncilForm(NamedErrorsForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=300)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    state_body = ChoiceField(_l("State body"), choices=[])
    #: Empty: the state body's level and region (a ministry's council in a region differs).
    level = ChoiceField(
        _l("Level"),
        choices=select_choices([("", _l("Same as the state body")), *LEVEL_LABELS.items()]),
        default="",
    )
    region = ChoiceField(_l("Region (local councils)"), choices=[], default="")


class MemberForm(NamedErrorsForm):
    email = EmailField(
        _l("E-mail of a public council member account"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
