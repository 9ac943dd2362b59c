"""Forms of the results pages: the filter (a GET form), indicator mappings, populations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.form_choices import select_choices

METHOD_LABELS = {
    "share": _l("Share of answers among chosen codes (percent)"),
    "mean": _l("Mean of a numeric answer"),
}


class ResultsFilterForm(FlaskForm):
    """Whole regions and whole months only: the grid suppression is decided on."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    region = SelectField(_l("Region"), validators=[Optional()])
    month_from = SelectField(_l("From month"), validators=[Optional()])
    month_to = SelectField(_l("To month"), validators=[Optional()])


class MappingForm(FlaskForm):
    indicator = SelectField(_l("Indicator"), validators=[DataRequired()])
    question = SelectField(_l("Question"), validators=[DataRequired()])
    method = SelectField(
        _l("Computed as"),
        choices=select_choices(METHOD_LABELS.items()),
        validators=[DataRequired()],
    )
    codes = StringField(
        _l("Answer codes counted (for a share)"),
        validators=[Optional(), Length(max=500)],
    )


class PopulationForm(FlaskForm):
    file = FileField(
        _l("Region populations (CSV with columns region_code, population)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv"], _l("Upload a .csv file.")),
        ],
    )
    source = StringField(_l("Source and date of the figures"), validators=[Length(max=300)])
