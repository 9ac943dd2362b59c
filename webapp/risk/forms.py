"""Forms of the analyst pages: upload, confirm, catalogue, training."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

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


#: The column fields, as the command line's --region-column ... --indicator-column.
COLUMN_LABELS = {
    "region": _l("Region column"),
    "period": _l("Period column"),
    "value": _l("Value column"),
    "indicator": _l("Indicator column"),
}
#: Longest column name accepted (``imports.COLUMN_NAME_LIMIT``).
COLUMN_NAME_LENGTH = 200


class ReaderOptionsForm(FlaskForm):
    """The reader's options: layout, indicator, sheet and the columns the analyst names."""

    layout = SelectField(_l("Layout"), choices=select_choices(LAYOUT_CHOICES), default="auto")
    indicator = SelectField(
        _l("Indicator"), choices=[], validate_choice=True, validators=[Optional()]
    )
    sheet = StringField(
        _l("Sheet (name or number; first sheet with data if empty)"), validators=[Optional()]
    )
    region_column = StringField(
        COLUMN_LABELS["region"], validators=[Optional(), Length(max=COLUMN_NAME_LENGTH)]
    )
    period_column = StringField(
        COLUMN_LABELS["period"], validators=[Optional(), Length(max=COLUMN_NAME_LENGTH)]
    )
    value_column = StringField(
        COLUMN_LABELS["value"], validators=[Optional(), Length(max=COLUMN_NAME_LENGTH)]
    )
    indicator_column = StringField(
        COLUMN_LABELS["indicator"], validators=[Optional(), Length(max=COLUMN_NAME_LENGTH)]
    )

    def column_fields(self) -> list[StringField]:
        return [self[f"{role}_column"] for role in COLUMN_LABELS]


class UploadForm(ReaderOptionsForm):
    file = FileField(
        _l("Statistics file"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(
                ["csv", "xlsx", "xls"], _l("Only CSV, XLSX and XLS files can be imported.")
            ),
        ],
    )


class RecheckForm(ReaderOptionsForm):
    """The options again on the check report, the columns chosen among those the reader
    found: a refused upload is read again without uploading the file a second time."""

    region_column = SelectField(COLUMN_LABELS["region"], choices=[], validators=[Optional()])
    period_column = SelectField(COLUMN_LABELS["period"], choices=[], validators=[Optional()])
    value_column = SelectField(COLUMN_LABELS["value"], choices=[], validators=[Optional()])
    indicator_column = SelectField(COLUMN_LABELS["indicator"], choices=[], validators=[Optional()])

    def offer_columns(self, columns: list[str], chosen: dict[str, str]) -> None:
        """Choices: the columns the reader found, plus a name chosen earlier that is not
        among them (so the form shows what was asked for, and the report says why not)."""
        for role in COLUMN_LABELS:
            current = chosen.get(f"{role}_column") or ""
            names = list(columns) + ([current] if current and current not in columns else [])
            self[f"{role}_column"].choices = select_choices(
                [("", _l("Found by the reader"))] + [(name, name) for name in names]
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
                (
                    "fast",
                    _l("Recommended: baselines, exponential smoothing and the panel models (fast)"),
                ),
                (
                    "full",
                    _l(
                        "Every model: also statsmodels' exponential smoothing fitted to each "
                        "series and the global linear and gradient-boosting models (slower)"
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
