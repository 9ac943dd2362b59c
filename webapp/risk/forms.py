"""Forms of the analyst pages: upload, confirm, catalogue, training."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from webapp.form_choices import select_choices
from webapp.security import SafeNumberRange

LAYOUT_CHOICES = [
    ("auto", _l("Detect automatically")),
    ("long", _l("Long: one row per region, period and value")),
    ("wide-period", _l("Wide: a column per period (as statistics bureaus publish)")),
    ("wide-region", _l("Wide: a column per region")),
    ("wide-indicator", _l("Wide: a column per indicator")),
    ("wide-month", _l("Wide: a row per year, a column per month or quarter")),
]


class UploadForm(FlaskForm):
    file = FileField(
        _l("Statistics file"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(
                ["csv", "xlsx", "xls"], _l("Only CSV, XLSX and XLS files can be imported.")
            ),
        ],
    )
    layout = SelectField(_l("Layout"), choices=select_choices(LAYOUT_CHOICES), default="auto")
    indicator = SelectField(
        _l("Indicator"), choices=[], validate_choice=True, validators=[Optional()]
    )
    sheet = StringField(
        _l("Sheet (name or number; first sheet with data if empty)"), validators=[Optional()]
    )


class ConfirmImportForm(FlaskForm):
    replace = BooleanField(
        _l("Replace values that are already stored for the same indicator, region and period")
    )


class ConfirmForm(FlaskForm):
    """A confirmation button: only the CSRF token travels."""


class CatalogueUploadForm(FlaskForm):
    file = FileField(
        _l("Catalogue file (CSV)"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(["csv"], _l("The catalogue must be a CSV file.")),
        ],
    )


class TrainingForm(FlaskForm):
    horizon = IntegerField(
        _l("Forecast horizon (periods ahead)"),
        default=8,
        validators=[DataRequired(), SafeNumberRange(min=1, max=24)],
    )
    models = SelectField(
        _l("Models"),
        choices=select_choices(
            [
                ("fast", _l("Recommended: baselines and pooled exponential smoothing (fast)")),
                (
                    "full",
                    _l(
                        "Every model: also exponential smoothing per series and the global "
                        "linear and gradient-boosting models (slower)"
                    ),
                ),
            ]
        ),
        default="fast",
    )
    n_origins = IntegerField(
        _l("Backtest origins"),
        default=3,
        validators=[DataRequired(), SafeNumberRange(min=1, max=12)],
    )
