"""Staff forms: survey upload, lifecycle, invitations, councils. Respondent pages are built
from the survey definition instead (see ``services.responding.page_view``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

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


class UploadSurveyForm(FlaskForm):
    file = FileField(
        _l("XLSForm (.xlsx, .xls) or survey definition (.json)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(UPLOAD_EXTENSIONS, _l("Upload an .xlsx, .xls or .json file.")),
        ],
    )
    slug = slug_field()
    audience = SelectField(_l("Who answers"), choices=select_choices(AUDIENCE_LABELS.items()))
    state_body = SelectField(_l("State body (council feedback)"), coerce=str, choices=[])
    note = TextAreaField(_l("Note shown with the survey (optional)"), validators=[Length(max=2000)])


class NewVersionForm(FlaskForm):
    file = FileField(
        _l("New XLSForm or definition"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(UPLOAD_EXTENSIONS, _l("Upload an .xlsx, .xls or .json file.")),
        ],
    )


class DatesForm(FlaskForm):
    """Times in the platform's time zone, the one every page shows them in."""

    opens_at = DateTimeLocalField(
        _l("Opens (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )


class InvitationsForm(FlaskForm):
    count = IntegerField(
        _l("Number of invitations"),
        default=10,
        validators=[DataRequired(), SafeNumberRange(min=1, max=MAX_INVITATIONS_PER_BATCH)],
    )


class StateBodyForm(FlaskForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=300)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    level = SelectField(_l("Level"), choices=select_choices(LEVEL_LABELS.items()))
    region = SelectField(_l("Region (local bodies)"), choices=[])


class CouncilForm(FlaskForm):
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=300)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=300)])
    state_body = SelectField(_l("State body"), choices=[])


class MemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail of a public council member account"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
