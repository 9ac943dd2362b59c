"""The statistics reader's report in the analyst's language.

``forecasting.readers`` writes each issue in English for the command line, with a stable
``code`` and its ``params`` beside the text (``docs/data-contract.md``, "The report"). The
import pages word the issue from the code instead: in the visitor's language, with unit names
in that language, and naming the upload form's fields where the command line names its
options (``--indicator``). An issue without a code (reports stored before codes existed,
warnings of past imports kept as plain text) or with a code this module does not know is
shown by its English text, so nothing stored ever disappears.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import g, has_request_context

from webapp.risk.i18n import translate as _


def N_(text: str) -> str:
    """Marks a message for ``pybabel extract -k N_`` (``make translations-update``): the
    messages below are translated where they are shown, by code, so extraction would
    otherwise not see them and mark their kk/ru translations obsolete."""
    return text


#: Web wording per reader code (English msgids, translated in the kk and ru catalogues).
MESSAGES: dict[str, str] = {
    "file.empty": N_("The file is empty."),
    "file.not_excel": N_(
        "The file is named like an Excel workbook but is not one (damaged, truncated or "
        "another format renamed)."
    ),
    "file.unreadable": N_(
        "The file is neither a spreadsheet (XLSX, XLS) nor readable text (CSV in UTF-8 or "
        "Windows-1251)."
    ),
    "file.damaged": N_(
        "The Excel file is damaged or truncated: open it in a spreadsheet program and save "
        "it again."
    ),
    "file.zip_not_workbook": N_(
        "The file is a ZIP archive but not an Excel workbook: save it as .xlsx or .csv."
    ),
    "file.password": N_("The workbook is password-protected: save a copy without a password."),
    "file.no_sheet_data": N_("No sheet of the workbook holds data."),
    "file.no_such_sheet": N_(
        "The workbook has no sheet '%(sheet)s' (its sheets: %(sheets)s): correct the Sheet "
        "field of the upload form."
    ),
    "file.too_many_columns": N_(
        "The file has data in more than %(limit)s columns: is this the right file?"
    ),
    "file.too_many_rows": N_(
        "The file has more than %(limit)s rows; a table of regional statistics has far fewer: "
        "split it (by indicator or by years) and import the parts one by one."
    ),
    "file.no_rows": N_("The file has a header but no data rows."),
    "file.no_values": N_("The file has no values to read."),
    "registry.empty": N_("The region registry is empty: an administrator must load it first."),
    "layout.unclear": N_(
        "Cannot tell how the table is laid out: expected region, period and value columns, "
        "or one column per region, indicator, period or month. Columns found: %(found)s. "
        "Give the columns headers such as Region, Year and Value, or choose the layout on "
        "the upload form."
    ),
    "layout.two_columns_for_role": N_(
        "Columns %(columns)s both look like the column of %(role)s: rename or remove one of them."
    ),
    "layout.unknown": N_("Unknown layout %(layout)s; use one of %(layouts)s."),
    "layout.no_column_named": N_("No column is named '%(name)s' (columns found: %(found)s)."),
    "frequency.unknown": N_(
        "Unknown period frequency '%(frequency)s': use Y (years), Q (quarters) or M (months)."
    ),
    "contract.broken": N_("The data breaks the data contract: %(problem)s"),
    "layout.no_region_column": N_(
        "The column headers are periods but no column holds region names (columns found: "
        "%(found)s): give the region column a header such as Region."
    ),
    "layout.no_period_headers": N_(
        "No column header is a period (columns found: %(found)s): choose another layout on "
        "the upload form."
    ),
    "layout.long_missing_columns": N_(
        "The table has no column of %(missing)s (columns found: %(found)s): give the columns "
        "headers such as Region, Year and Value, or choose another layout on the upload form."
    ),
    "layout.wide_region_needs_period": N_(
        "A table with one column per region needs a period column (columns found: %(found)s)."
    ),
    "layout.wide_indicator_needs_columns": N_(
        "A table with one column per indicator needs region and period columns (columns "
        "found: %(found)s)."
    ),
    "layout.no_month_columns": N_(
        "No column header is a month or a quarter (columns found: %(found)s): choose another "
        "layout on the upload form."
    ),
    "layout.months_and_quarters": N_(
        "The header mixes month and quarter columns (%(columns)s): keep one frequency per file."
    ),
    "layout.same_month_twice": N_(
        "Columns '%(first)s' and '%(second)s' name the same month or quarter."
    ),
    "layout.no_year_column": N_(
        "The columns are months or quarters but no column holds the years (columns found: "
        "%(found)s). If the year is only in the file's title, write it into the month or "
        'quarter headers ("January 2024", "январь 2024") or add a Year column.'
    ),
    "columns.not_read": N_(
        "Column(s) not read: %(columns)s (they are not region, period, indicator, value, "
        "unit, source or interval columns)."
    ),
    "columns.not_periods": N_("Column(s) not read: %(columns)s (their headers are not periods)."),
    "columns.cumulative_not_read": N_(
        "Column(s) %(columns)s are totals since the start of the year (cumulative figures), not "
        "single periods: not imported (the other periods are); to have them, export the "
        "figures of each month or quarter."
    ),
    "columns.half_year_not_read": N_(
        "Column(s) %(columns)s are half-years, which are no period (years, quarters or "
        "months): not imported (the other periods are)."
    ),
    "columns.annual_not_read": N_(
        "Column(s) %(columns)s hold a figure for the whole year beside the months or quarters: "
        "not imported (the months or quarters are)."
    ),
    "regions.none_national": N_(
        "The table has no region column: its values are a national series, kept apart from "
        "regional values and not imported."
    ),
    "regions.national_only": N_("The file holds national totals only, no region."),
    "regions.none_one_series": N_(
        "The table has no region column: its values are one series, kept under the key '%(key)s'."
    ),
    "indicator.given_unknown": N_(
        "The indicator '%(indicator)s' chosen on the upload form is not in the catalogue."
    ),
    "indicator.given_not_used": N_(
        "The table names its indicators itself; the indicator '%(indicator)s' chosen on the "
        "upload form is not used."
    ),
    "indicator.missing": N_(
        "The table does not say which indicator it holds: add an indicator column, or choose "
        "the indicator in the Indicator field of the upload form. Columns found: %(found)s."
    ),
    "indicator.missing.wide_indicator": N_(
        "The table does not say which indicator it holds: add an indicator column, or choose "
        "the indicator in the Indicator field of the upload form. Columns found: %(found)s. "
        "Or, if the value column is one indicator beside %(columns)s, read one column per "
        "indicator: choose 'Wide: a column per indicator' in the Layout field."
    ),
    "indicator.empty": N_("The indicator is empty."),
    "indicator.unknown": N_(
        "Unknown indicator '%(indicator)s': not a code or name in the catalogue."
    ),
    "indicators.kept_unknown": N_(
        "%(count)s indicator(s) not in the catalogue, kept under their own names and left out "
        "of the risk score: %(names)s."
    ),
    "series.without_values": N_(
        "%(count)s series have no value at all in the file and are not read: %(names)s."
    ),
    "indicators.without_values": N_(
        "%(count)s indicator(s) have no value at all in the file and are not read: %(names)s."
    ),
    "row.note_skipped": N_(
        "Skipped: the row holds only the text '%(text)s', a note or heading, not data."
    ),
    "row.beyond_header": N_("The row has values beyond the last column of the header."),
    "row.breakdown_skipped": N_(
        "%(count)s row(s) break down the region above them (%(labels)s): not read, the "
        "region's own row is (rows %(rows)s)."
    ),
    "file.other_sheets": N_(
        "Sheet '%(sheet)s' was read, the first with a table; the workbook has other sheets "
        "with data: %(others)s. To read one of them, give its name in the Sheet field."
    ),
    "table.stacked_under_headings": N_(
        "The rows under the heading(s) %(headings)s (row(s) %(heading_rows)s) repeat the regions "
        "and periods of the rows above (from row %(first_row)s): the sheet holds tables stacked one under another, one "
        "per heading (another indicator, perhaps). Put each table on its own sheet or in its "
        "own file, with its indicator."
    ),
    "table.second_table": N_(
        "Row %(header_row)s repeats the header: a second table starts on row %(first_row)s. "
        "Only the table above it is read (%(count)s row(s) from row %(first_row)s on are not): "
        "put each table on its own sheet or in its own file."
    ),
    "year.empty": N_("The year is empty."),
    "year.invalid": N_("'%(value)s' is not a year."),
    "year.not_a_year": N_(
        "'%(value)s' is not a year: the other columns are months or quarters, so this column "
        "must hold the year."
    ),
    "region.empty": N_("The region is empty."),
    "region.unknown": N_("Unknown region '%(label)s' in %(count)s row(s)."),
    "region.unknown_did_you_mean": N_(
        "Unknown region '%(label)s' in %(count)s row(s); did you mean %(suggestions)s?"
    ),
    "region.wrong_kind.city": N_(
        "Unknown region '%(label)s' in %(count)s row(s): it names a city, and no city of the "
        "region list is called so (%(units)s): a city inside a region is not a first-level "
        "unit; remove its rows."
    ),
    "region.wrong_kind.region": N_(
        "Unknown region '%(label)s' in %(count)s row(s): it names a region, and no region of "
        "the region list is called so (%(units)s)."
    ),
    "region.below_first_level.city": N_(
        "Unknown region '%(label)s' in %(count)s row(s): it names a city, and no city of the "
        "region list is called so: cities and districts inside a region are below the first "
        "level and not units of the region list; remove its rows."
    ),
    "region.below_first_level.district": N_(
        "Unknown region '%(label)s' in %(count)s row(s): it names a district: cities and "
        "districts inside a region are below the first level and not units of the region "
        "list; remove its rows."
    ),
    "regions.not_recognised": N_(
        "%(count)s region name(s) not recognised: %(names)s. Use the codes or names of the "
        "region list, or ask an administrator to add the names as aliases."
    ),
    "regions.not_recognised_none_known": N_(
        "%(count)s region name(s) not recognised: %(names)s. None of the labels is a region of "
        "the list: only regional statistics can be imported here; use the codes or names of "
        "the region list."
    ),
    "period.empty": N_("The period is empty."),
    "period.invalid": N_(
        "'%(value)s' is not a period: write a year (2021), a quarter (2021-Q3), a month "
        "(2021-07) or a date (31.12.2021)."
    ),
    "period.two_years": N_(
        "'%(value)s' joins two years (a season, an academic or financial year, or a range): "
        "it is not one calendar period; relabel it with the year it is counted in (e.g. "
        "%(second)s)."
    ),
    "layout.two_year_headers": N_(
        "The column headers %(columns)s join two years (a season, an academic or financial "
        "year, or a range): they are not calendar periods; relabel each with the year it is "
        "counted in (%(example)s: %(year)s)."
    ),
    "period.implausible_year": N_(
        "'%(value)s' is not a plausible year: years from %(first)s to %(last)s are read."
    ),
    "period.fraction": N_("'%(value)s' is not a year (it has a fraction)."),
    "period.invalid_month": N_("'%(value)s': %(month)s is not a month."),
    "period.invalid_date": N_("'%(value)s' is not a valid date."),
    "period.wrong_frequency": N_(
        "'%(value)s' is a period of %(found)s, but periods of %(expected)s were expected."
    ),
    "period.cumulative": N_(
        "'%(value)s' is a total since the start of the year (a cumulative figure), not one "
        "period: export the figures of each month or quarter instead."
    ),
    "period.half_year": N_(
        "'%(value)s' is a half-year: periods are years, quarters or months; export the "
        "figures of each quarter (or of the year) instead."
    ),
    "layout.periods_broken_down": N_(
        "Each period of the header is broken down into %(subheaders)s (row %(row)s and the row "
        "below), with no column of the period's total: a column per period is read, so keep "
        "one of them (one indicator, or the total) per file, or write the table long (region, "
        "period, indicator and value columns)."
    ),
    "layout.side_by_side_tables": N_(
        "The periods repeat under each of the group headers %(groups)s (row %(row)s): the "
        "sheet holds tables side by side, one per group (another indicator, perhaps). Put "
        "each table on its own sheet or in its own file, with its indicator."
    ),
    "layout.same_period_columns": N_(
        "Columns %(columns)s are the same period (%(period)s), revised and preliminary "
        "figures perhaps: keep the one to read and remove the other."
    ),
    "period.mixed_frequencies": N_(
        "Indicator %(indicator)s mixes period frequencies (years, quarters, months): make one "
        "file per frequency."
    ),
    "period.frequency_mismatch.catalogue": N_(
        "%(count)s period(s) of %(indicator)s are periods of %(found)s, but the catalogue "
        "gives periods of %(expected)s (rows %(rows)s)."
    ),
    "period.frequency_mismatch.others": N_(
        "%(count)s period(s) of %(indicator)s are periods of %(found)s, but the other periods "
        "are periods of %(expected)s (rows %(rows)s)."
    ),
    "periods.weekly_or_daily": N_(
        "%(count)s value(s) fall in a period that holds an earlier date already: the data "
        "looks weekly or daily, and periods are years, quarters or months. Sum or average the "
        "figures to months (or quarters, years) first."
    ),
    "value.formula": N_(
        "The cell holds a formula whose result was never saved: open the file in a "
        "spreadsheet program and save it, or paste values."
    ),
    "value.in_brackets": N_(
        "'%(value)s' is a number in brackets, which is not read as a minus sign: write "
        "-%(number)s if the figure is negative, or the number without brackets."
    ),
    "value.not_a_number": N_("'%(value)s' is not a number."),
    "value.extra_not_a_number": N_("%(role)s: '%(value)s' is not a number."),
    "value.negative_n": N_("The number of responses is negative."),
    "value.interval_reversed": N_("The lower bound %(lower)s is above the upper bound %(upper)s."),
    "value.outside_interval": N_(
        "The value %(value)s lies outside its interval [%(lower)s, %(upper)s]."
    ),
    "values.no_data_mark": N_(
        "%(count)s cell(s) hold the no-data mark '%(mark)s'; read as no observation "
        "(rows %(rows)s)."
    ),
    "values.empty_cells": N_("%(count)s empty cell(s) read as no observation (rows %(rows)s)."),
    "values.rows_without_value": N_(
        "%(count)s row(s) have no value and are skipped (rows %(rows)s)."
    ),
    "values.footnote_marks": N_(
        "%(count)s value(s) carry the footnote mark '%(mark)s' (preliminary or revised "
        "figures, say); read as the number without it (rows %(rows)s)."
    ),
    "file.lost_letters": N_(
        "%(count)s cell(s) hold '?' where a letter was (%(examples)s): the file was saved in "
        "an encoding without the Kazakh and Kyrgyz letters Russian does not use (ә, ғ, қ, ң, "
        'ө, ұ, ү, һ), such as Windows-1251 (Excel\'s "CSV (comma delimited)" in a Russian '
        'locale), which replaced them; save it as "CSV UTF-8" or as .xlsx and upload it again.'
    ),
    "column.breakdown_skipped": N_(
        "Column %(column)s breaks the figures down (%(labels)s): only its rows of the total "
        "(%(total)s) are read; %(count)s row(s) are not (rows %(rows)s)."
    ),
    "row.column_numbers": N_(
        "Row %(row)s numbers the columns (%(cells)s), as official forms do under the "
        "header: not data, skipped."
    ),
    "values.percent_format": N_(
        "%(count)s value(s) are numbers Excel shows as percentages (a cell holding "
        "%(stored)s shows %(shown)s%%); read as the percentage shown (rows %(rows)s)."
    ),
    "values.outside_range": N_(
        "Indicator %(indicator)s (unit %(unit)s): %(count)s value(s) outside "
        "[%(low)s, %(high)s] (rows %(rows)s); the risk score leaves them out."
    ),
    "unit.catalogue_mismatch": N_(
        "Unit '%(unit)s' disagrees with the catalogue, which gives '%(expected)s' for "
        "%(indicator)s."
    ),
    "unit.inconsistent": N_(
        "Unit '%(unit)s' differs from the unit on row %(first_row)s for the same indicator "
        "%(indicator)s."
    ),
    "key.duplicate": N_(
        "A second value for region %(region)s, period %(period)s, indicator %(indicator)s "
        "(first on row %(first_row)s)."
    ),
    "key.duplicate.labels": N_("'%(first)s' and '%(second)s' are the same region."),
    "key.duplicate.periods": N_("'%(first)s' and '%(second)s' fall in the same period."),
    "region.ended": N_(
        "'%(label)s' for %(span)s (%(count)s value(s)): %(unit)s ceased to exist on %(date)s; "
        "its territory is now %(now)s."
    ),
    "region.not_yet": N_(
        "'%(label)s' for %(span)s (%(count)s value(s)): %(unit)s exists only since %(date)s."
    ),
    "region.not_yet.before": N_("Before that it was part of %(before)s."),
    "region.split": N_(
        "'%(label)s' for %(span)s (%(count)s value(s)): %(unit)s at that time also covered "
        "today's %(changes)s; values before and after the split are not comparable."
    ),
    "region.split.change": N_("%(region)s (split off on %(date)s)"),
    # Warnings of a training run (``warnings.json``, the model card), coded ``run.<category>``.
    "run.ended_unit.forecasts": N_(
        "%(unit)s ceased to exist on %(date)s: its %(periods)s forecast period(s) from "
        "%(first)s on are left out."
    ),
    "run.ended_unit.score": N_(
        "%(unit)s ceased to exist on %(date)s: its %(periods)s risk score forecast period(s) "
        "from %(first)s on are left out."
    ),
    "run.ended_unit.scores": N_(
        "%(unit)s ceased to exist on %(date)s: its %(periods)s period(s) from %(first)s on are "
        "not scored (its values still count in the reference window of the index)."
    ),
    "run.ended_unit.now": N_("Its territory is now %(now)s."),
    "run.beyond_history": N_(
        "The horizon of %(horizon)s steps is longer than the history of %(count)s "
        "indicator(s) can backtest after %(min_train)s training periods: %(indicators)s. "
        "The later steps rest on no backtest."
    ),
    "run.beyond_history.indicator": N_(
        "%(indicator)s (%(length)s periods, %(steps)s step(s) tested)"
    ),
    # Warnings of the backtest (``forecasting.backtest``), about one indicator or series.
    "run.short_history": N_(
        "%(length)s period(s) of history cannot hold a %(horizon)s-step backtest after "
        "%(min_train)s training periods: one origin, tested on %(steps)s step(s) only."
    ),
    "run.fewer_origins": N_(
        "%(length)s period(s) of history allow only %(origins)s of %(requested)s backtest "
        "origins for a horizon of %(horizon)s steps."
    ),
    "run.not_evaluated": N_(
        "%(length)s period(s) of history are too few to backtest (more than %(min_train)s are "
        "needed): the model cannot be chosen by accuracy."
    ),
    "run.mase_undefined": N_(
        "The training part before the first backtest origin is constant or too short: MASE is "
        "undefined for this series, which is left out of the MASE and pinball averages."
    ),
    "run.model_failed": N_(
        "Model %(model)s failed at backtest origin %(origin)s (%(error)s: %(detail)s)."
    ),
    "run.at_origin": N_("Backtest origin %(origin)s, %(model)s: %(message)s"),
    # Warnings of the models (``forecasting.models``) whose text is the same every time: the
    # category is their code.
    "run.pooled_scale": N_(
        "Constant or single-value series: its error scale and interval width are borrowed from "
        "the other series of the indicator."
    ),
    "run.pooled_interval": N_(
        "Too short for its own residuals: its interval width is borrowed from the median of the "
        "indicator's other regions."
    ),
    "run.zero_width_interval": N_(
        "No residuals in this or any other series of the indicator: the interval has zero width."
    ),
    "run.pooled_interval.constant": N_(
        "Constant series: a flat history is no proof of a flat future, so its interval width is "
        "borrowed from the median of the indicator's other regions."
    ),
    "run.zero_width_interval.constant": N_(
        "Constant series, and no other series of the indicator varies: the interval has zero width."
    ),
    "run.ended_early": N_(
        "The series ends in %(last)s, %(behind)s period(s) before the indicator's last period "
        "(%(indicator_last)s): its forecast covers periods the other regions have already "
        "reported. Update the series, or remove it if it is no longer reported."
    ),
    "run.single_series": N_(
        "The only series of its indicator: there is no panel to read it with, so the forecast is "
        "its last (seasonally adjusted) value."
    ),
    # The models' other warnings, coded by ``make_warning(code=..., params=...)``.
    "run.interpolated": N_(
        "%(filled)s missing period(s) inside the series filled by linear interpolation."
    ),
    "run.library_warning": N_(
        "Warning of the fitting library (%(kind)s, %(count)s time(s)): %(detail)s"
    ),
    "run.fallback.short_season": N_(
        "%(periods)s period(s) is less than one season plus one (%(needed)s): the naive forecast "
        "is used instead."
    ),
    "run.fallback.few_rows": N_(
        "Series group %(group)s: only %(training_rows)s training rows (needs %(needed)s); the naive "
        "forecast is used for its %(series)s series."
    ),
    "run.uncalibrated_interval": N_(
        "Series group %(group)s: too few recent rows to calibrate the quantile intervals (they "
        "may be too narrow)."
    ),
    "run.not_selected_by_accuracy": N_(
        "No backtest MASE for this indicator: %(fallback)s is used."
    ),
    "run.fallback.single_period": N_(
        "Its indicator has a single period: naive forecast, interval from the spread of the "
        "regions' values."
    ),
    "run.fallback.single_period_zero": N_(
        "Its indicator has a single period: naive forecast with an interval of zero width "
        "(nothing to measure it by)."
    ),
    "run.fallback.ets_too_short": N_(
        "%(periods)s period(s) is too short for ETS (needs %(needed)s): naive forecast used."
    ),
    "run.fallback.ets_constant": N_("Constant series: naive forecast used instead of ETS."),
    "run.fallback.ets_fit_failed": N_(
        "ETS fit failed (%(error)s: %(detail)s): naive forecast used."
    ),
    "run.fallback.ets_not_finite": N_("ETS estimates are not finite: naive forecast used."),
    "run.fallback.ets_forecast_failed": N_("ETS forecast failed (%(error)s): naive forecast used."),
    # Warnings of the risk index (``forecasting.index``, ``ScoreResult.issues``).
    "index.unknown_indicators": N_(
        "%(count)s indicator(s) are not in the catalogue and are left out of the risk score: "
        "%(indicators)s."
    ),
    "index.outside_range": N_(
        "%(indicator)s (unit %(unit)s): %(count)s value(s) outside [%(low)s, %(high)s] are "
        "left out of the risk score (%(examples)s)."
    ),
    "index.constant": N_(
        "%(indicator)s does not vary in the reference window (all %(value)s): it cannot tell "
        "regions apart and counts as missing in every score."
    ),
    # Runs trained before November 2026 scored such an indicator 5 (their note says which).
    "index.constant_scored": N_(
        "%(indicator)s does not vary in the reference window (all %(value)s): every value of "
        "it scores %(score)s."
    ),
    "index.no_reference": N_(
        "%(count)s indicator(s) have no observations in the reference window and count as "
        "missing in every score: %(indicators)s."
    ),
    "index.domain_unknown": N_(
        "Domain %(domain)s is not one of the default domains: it is weighted as a domain of "
        "its own."
    ),
    "index.domain_unknown.suggestion": N_("Did you mean %(suggestion)s?"),
    "index.unscored": N_(
        "%(region)s is not scored for %(count)s period(s) (%(periods)s): no indicator had data "
        "at or before them."
    ),
    # Problems of an uploaded indicator catalogue (``forecasting.contract.validate_catalogue``).
    "catalogue.missing_columns": N_("Missing column(s) %(missing)s; columns found: %(found)s."),
    "catalogue.missing_columns.names": N_("%(first)s or %(second)s or %(third)s"),
    "catalogue.missing_columns.none": N_("none"),
    "catalogue.empty": N_("The cell is empty."),
    "catalogue.code_invalid": N_(
        "'%(value)s' must be letters, digits, '_', '-' or '.' without spaces."
    ),
    "catalogue.code_duplicate": N_("'%(value)s' is already used on row %(first_row)s."),
    "catalogue.no_name": N_("The indicator has no name in any language."),
    "catalogue.direction_invalid": N_(
        "'%(value)s' must be 1 (higher means more risk) or -1 (higher means less)."
    ),
    "catalogue.weight_empty": N_(
        "The cell is empty: give a number above 0 (1 for an equal share of the domain)."
    ),
    "catalogue.weight_not_positive": N_("'%(value)s' must be a number above 0."),
    "catalogue.frequency_invalid": N_("'%(value)s' must be Y (years), Q (quarters) or M (months)."),
    "catalogue.domain_unknown": N_("'%(value)s' is not a known domain (%(domains)s)."),
    "catalogue.unreadable.file": N_("The file %(path)s cannot be read."),
    "catalogue.unreadable.encoding": N_(
        "The file %(path)s is not text in UTF-8, UTF-16 or Windows-1251: save it as CSV UTF-8."
    ),
    "catalogue.unreadable.empty": N_("The file %(path)s is empty: it holds no table."),
    "catalogue.unreadable.not_a_table": N_(
        "The file %(path)s is not a readable CSV table (a quote left open, say): save it from "
        "a spreadsheet program as CSV UTF-8."
    ),
    "catalogue.unreadable.fields": N_(
        "The file %(path)s is not a readable CSV table: line %(line)s has %(found)s fields, "
        "the header %(expected)s."
    ),
}

#: Words the messages above put in their parameters.
ROLE_WORDS = {
    "region": N_("region names"),
    "period": N_("periods"),
    "value": N_("values"),
    "indicator": N_("indicator names"),
}
FREQUENCY_WORDS = {"Y": N_("years"), "Q": N_("quarters"), "M": N_("months"), "D": N_("days")}

_COLUMN_LETTER = re.compile(r"^column ([A-Z]{1,3})$")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def issue_message(issue: Mapping[str, Any] | str) -> str:
    """The problem of one report issue in the visitor's language (without row and column)."""
    if isinstance(issue, str):  # warnings of imports stored before codes existed
        return issue
    code = issue.get("code")
    params = issue.get("params") or {}
    formatter = _FORMATTERS.get(code or "")
    try:
        if formatter is not None:
            return formatter(params)
        if code in MESSAGES:
            values = _plain(params)
            missing = set(_PLACEHOLDER.findall(MESSAGES[code])) - set(values)
            if missing:  # a report of another version of the reader: its English is right
                raise KeyError(", ".join(sorted(missing)))
            return _(MESSAGES[code], **values)
    except (KeyError, TypeError, ValueError):
        pass  # parameters of another version of the reader: its English text is right
    return str(issue.get("message", ""))


#: Run warnings whose web wording names the series itself (no "region, indicator:" prefix).
_NAMES_ITS_SERIES = {"run.ended_unit", "run.beyond_history"}
_AT_ORIGIN = re.compile(r"^origin (\d+): ")


def run_warning_message(warning: Mapping[str, Any] | str) -> str:
    """One warning of a training run in the visitor's language, from its code (``code``, or
    ``run.<category>``) and params, prefixed with the region and indicator it is about, named
    in that language; a warning without web wording (or without params) keeps its English."""
    if isinstance(warning, str):
        return warning
    category = warning.get("category") or ""
    code = warning.get("code") or (f"run.{category}" if category else None)
    english = str(warning.get("message", ""))
    params = {**(warning.get("params") or {}), "model": _model(warning.get("model") or "")}
    text = issue_message({**warning, "code": code, "params": params})
    translated = text != english
    region, indicator = warning.get("region") or "", warning.get("indicator") or ""
    if translated:
        if code in _NAMES_ITS_SERIES:
            return text
        if "origin" in params and code != "run.model_failed":  # at a backtest origin
            text = _(
                MESSAGES["run.at_origin"],
                origin=int(params["origin"]) + 1,
                model=params["model"],
                message=text,
            )
        where = [_region(region)] if region else []
        where += [_indicator(indicator)] if indicator else []
        return f"{', '.join(where)}: {text}" if where else text
    origin = _AT_ORIGIN.match(english)
    if origin and "origin" in params:  # a model's warning at a backtest origin
        text = _(
            MESSAGES["run.at_origin"],
            origin=int(origin.group(1)) + 1,
            model=params["model"],
            message=english[origin.end() :],
        )
    # The English text of a model's warning may not say which series it is about.
    where = [_region(region)] if region and region not in english else []
    where += [_indicator(indicator)] if indicator and indicator not in english else []
    return f"{', '.join(where)}: {text}" if where else text


def run_warning_groups(warnings: Sequence[Mapping[str, Any] | str]) -> list[list[str]]:
    """A run's warnings worded, those of one kind (code, or category) together in the order
    each kind first appears: a demo run's 189 warnings, one line each, made the job page
    12,000 pixels tall, and the few that differ were lost among the many alike."""
    groups: dict[Any, list[str]] = {}
    for index, warning in enumerate(warnings):
        if isinstance(warning, str):
            kind: Any = ("text", index)
        else:
            kind = warning.get("code") or warning.get("category") or ("text", index)
        groups.setdefault(kind, []).append(run_warning_message(warning))
    return list(groups.values())


def issue_column(issue: Mapping[str, Any] | str) -> str | None:
    """The column as written, except the reader's "column B" for an empty header."""
    if isinstance(issue, str):
        return None
    column = issue.get("column")
    if not column:
        return None
    match = _COLUMN_LETTER.match(column)
    if match and issue.get("code"):
        return _("column %(letter)s", letter=match.group(1))
    return str(column)


def issue_text(issue: Mapping[str, Any] | str) -> str:
    """One line: where (row, column) and what, for lists and flashed messages."""
    if isinstance(issue, str):
        return issue
    message = issue_message(issue)
    row, column = issue.get("row"), issue_column(issue)
    if row is not None and column:
        return _(
            "Row %(row)s, column '%(column)s': %(message)s", row=row, column=column, message=message
        )
    if row is not None:
        return _("Row %(row)s: %(message)s", row=row, message=message)
    if column:
        return _("Column '%(column)s': %(message)s", column=column, message=message)
    return message


def catalogue_problem_text(problem: Mapping[str, Any] | str) -> str:
    """One problem of a refused catalogue upload, worded like the page's other catalogue
    problems ("row 2, column weight: …"); a sentence already worded is shown as it is."""
    if isinstance(problem, str):
        return problem
    message = issue_message(problem)
    row, column = problem.get("row"), problem.get("column")
    if row is not None and column:
        return _(
            "row %(row)s, column %(column)s: %(message)s", row=row, column=column, message=message
        )
    return message


# --- Parameters that need wording ---------------------------------------------------------


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as they are, with rows listed the same way in every message."""
    values = dict(params)
    if "rows" in values:
        values["rows"] = _rows(values)
    return values


def _rows(params: Mapping[str, Any]) -> str:
    shown = ", ".join(str(row) for row in params.get("rows") or [])
    more = int(params.get("more_rows") or 0)
    return shown + (_(" and %(count)s more", count=more) if more else "")


def _region_names() -> dict[str, str]:
    """Unit names in the visitor's language, read once per request."""
    if not has_request_context():
        return {}
    if "risk_region_names" not in g:
        from flask_babel import get_locale

        from webapp.regions.services import all_regions

        locale = get_locale()
        language = locale.language if locale else "en"
        g.risk_region_names = {region.code: region.name(language) for region in all_regions()}
    return g.risk_region_names


def _region(code: str) -> str:
    name = _region_names().get(code)
    return f"{code} {name}" if name else code


def _indicator_names() -> dict[str, str]:
    """Indicator names in the visitor's language (the catalogue's), read once per request."""
    if not has_request_context():
        return {}
    if "risk_indicator_names" not in g:
        from flask_babel import get_locale

        from webapp.risk.catalogue import all_indicators

        locale = get_locale()
        language = locale.language if locale else "en"
        names = {item.code: item.name(language) for item in all_indicators()}
        if not names:  # nothing stored yet: the packaged catalogue, as the pages use then
            from forecasting.index import default_catalogue

            for row in default_catalogue().to_dict("records"):
                names[row["code"]] = row.get(f"name_{language}") or row["name_en"] or row["code"]
        g.risk_indicator_names = names
    return g.risk_indicator_names


def _indicator(code: str) -> str:
    """An indicator by its name in the visitor's language; the risk score as "Risk score";
    a code the catalogue does not know as it is."""
    if code == "score":
        return _("Risk score")
    return _indicator_names().get(code) or code


def _indicators(codes: Any) -> str:
    return ", ".join(_indicator(str(code)) for code in codes)


def _model(code: str) -> str:
    if not code:
        return ""
    from webapp.risk.model_card import model_label

    return model_label(code)


def _number(value: Any) -> str:
    return f"{float(value):g}"


def _span(params: Mapping[str, Any]) -> str:
    first, last = params["first"], params["last"]
    return str(first) if first == last else f"{first}–{last}"


def _frequency(code: str) -> str:
    return _(FREQUENCY_WORDS[code])


def _listed(columns: str) -> str:
    """The reader's "'2022' and '2022¹'" as a list without the English word: "'2022', '2022¹'"."""
    return str(columns).replace("' and '", "', '")


def _two_columns(params: Mapping[str, Any]) -> str:
    role = ROLE_WORDS[params["role"]]
    return _(
        MESSAGES["layout.two_columns_for_role"], columns=_listed(params["columns"]), role=_(role)
    )


def _same_period_columns(params: Mapping[str, Any]) -> str:
    return _(
        MESSAGES["layout.same_period_columns"],
        columns=_listed(params["columns"]),
        period=params["period"],
    )


def _long_missing(params: Mapping[str, Any]) -> str:
    missing = ", ".join(_(ROLE_WORDS[role]) for role in params["missing"])
    return _(MESSAGES["layout.long_missing_columns"], missing=missing, found=params["found"])


def _did_you_mean(params: Mapping[str, Any]) -> str:
    suggestions = ", ".join(_region(code) for code in params["suggestions"])
    return _(
        MESSAGES["region.unknown_did_you_mean"],
        label=params["label"],
        count=params["count"],
        suggestions=suggestions,
    )


def _wrong_kind(params: Mapping[str, Any]) -> str:
    units = ", ".join(_region(code) for code, _kind in params["unit_kinds"])
    return _(
        MESSAGES[f"region.wrong_kind.{params['kind']}"],
        label=params["label"],
        count=params["count"],
        units=units,
    )


def _below_first_level(params: Mapping[str, Any]) -> str:
    return _(
        MESSAGES[f"region.below_first_level.{params['kind']}"],
        label=params["label"],
        count=params["count"],
    )


def _indicator_missing(params: Mapping[str, Any]) -> str:
    """With numbers beside the value column, the Layout field's wide-indicator choice too,
    as the command line names --layout wide-indicator."""
    beside = params.get("numeric_columns")
    if not beside:
        return _(MESSAGES["indicator.missing"], found=params["found"])
    return _(
        MESSAGES["indicator.missing.wide_indicator"],
        found=params["found"],
        columns=", ".join(f"'{column}'" for column in beside),
    )


def _wrong_frequency(params: Mapping[str, Any]) -> str:
    return _(
        MESSAGES["period.wrong_frequency"],
        value=params["value"],
        found=_frequency(params["found"]),
        expected=_frequency(params["expected"]),
    )


def _frequency_mismatch(params: Mapping[str, Any]) -> str:
    origin = "catalogue" if params.get("origin") == "catalogue" else "others"
    return _(
        MESSAGES[f"period.frequency_mismatch.{origin}"],
        count=params["count"],
        indicator=params["indicator"],
        found=_frequency(params["found"]),
        expected=_frequency(params["expected"]),
        rows=_rows(params),
    )


def _duplicate(params: Mapping[str, Any]) -> str:
    region = params["region"]
    text = _(
        MESSAGES["key.duplicate"],
        region=_region(region),
        period=params["period"],
        indicator=params["indicator"],
        first_row=params["first_row"],
    )
    for key in ("labels", "periods"):
        pair = params.get(key)
        if pair:
            text += " " + _(MESSAGES[f"key.duplicate.{key}"], first=pair[0], second=pair[1])
    return text


def _ended(params: Mapping[str, Any]) -> str:
    now = ", ".join(_region(code) for code in params["now"]) or "—"
    return _(
        MESSAGES["region.ended"],
        label=params["label"],
        span=_span(params),
        count=params["count"],
        unit=_region(params["unit"]),
        date=params["date"],
        now=now,
    )


def _not_yet(params: Mapping[str, Any]) -> str:
    text = _(
        MESSAGES["region.not_yet"],
        label=params["label"],
        span=_span(params),
        count=params["count"],
        unit=_region(params["unit"]),
        date=params["date"],
    )
    if params.get("before"):
        before = ", ".join(_region(code) for code in params["before"])
        text += " " + _(MESSAGES["region.not_yet.before"], before=before)
    return text


def _split(params: Mapping[str, Any]) -> str:
    changes = ", ".join(
        _(MESSAGES["region.split.change"], region=_region(code), date=date)
        for code, date in params["split_off"]
    )
    return _(
        MESSAGES["region.split"],
        label=params["label"],
        span=_span(params),
        count=params["count"],
        unit=_region(params["unit"]),
        changes=changes,
    )


def _run_ended_unit(params: Mapping[str, Any]) -> str:
    text = _(
        MESSAGES[f"run.ended_unit.{params['left_out']}"],
        unit=_region(params["unit"]),
        date=params["date"],
        periods=params["periods"],
        first=params["first"],
    )
    if params.get("now"):
        now = ", ".join(_region(code) for code in params["now"])
        text += " " + _(MESSAGES["run.ended_unit.now"], now=now)
    return text


def _run_beyond_history(params: Mapping[str, Any]) -> str:
    indicators = ", ".join(
        _(
            MESSAGES["run.beyond_history.indicator"],
            indicator=_indicator(code),
            length=length,
            steps=steps,
        )
        for code, length, steps in params["indicators"]
    )
    return _(
        MESSAGES["run.beyond_history"],
        horizon=params["horizon"],
        count=len(params["indicators"]),
        min_train=params["min_train"],
        indicators=indicators,
    )


def _catalogue_missing_columns(params: Mapping[str, Any]) -> str:
    """The three name columns, one of which is enough, are joined by a translated "or"."""
    missing = []
    for column in params["missing"]:
        names = str(column).split(" or ")
        if len(names) == 3:
            first, second, third = names
            column = _(
                MESSAGES["catalogue.missing_columns.names"],
                first=first,
                second=second,
                third=third,
            )
        missing.append(column)
    found = ", ".join(params["found"]) or _(MESSAGES["catalogue.missing_columns.none"])
    return _(MESSAGES["catalogue.missing_columns"], missing=", ".join(missing), found=found)


def _run_model_failed(params: Mapping[str, Any]) -> str:
    """Origins are counted from 1 on the pages, as in the job's log (0 in card.json)."""
    return _(
        MESSAGES["run.model_failed"],
        model=params["model"],
        origin=int(params["origin"]) + 1,
        error=params["error"],
        detail=params["detail"],
    )


def _index_unknown_indicators(params: Mapping[str, Any]) -> str:
    codes = params["indicators"]
    return _(MESSAGES["index.unknown_indicators"], count=len(codes), indicators=", ".join(codes))


def _index_outside_range(params: Mapping[str, Any]) -> str:
    return _(
        MESSAGES["index.outside_range"],
        indicator=_indicator(params["indicator"]),
        unit=params["unit"],
        count=params["count"],
        low=_number(params["low"]),
        high=_number(params["high"]),
        examples="; ".join(params["examples"]),
    )


def _percent_format(params: Mapping[str, Any]) -> str:
    return _(
        MESSAGES["values.percent_format"],
        count=params["count"],
        stored=_number(params["stored"]),
        shown=_number(params["shown"]),
        rows=_rows(params),
    )


def _index_constant(params: Mapping[str, Any]) -> str:
    if "score" in params:  # a run stored before constant indicators counted as missing
        return _(
            MESSAGES["index.constant_scored"],
            indicator=_indicator(params["indicator"]),
            value=_number(params["value"]),
            score=_number(params["score"]),
        )
    return _(
        MESSAGES["index.constant"],
        indicator=_indicator(params["indicator"]),
        value=_number(params["value"]),
    )


def _index_no_reference(params: Mapping[str, Any]) -> str:
    codes = params["indicators"]
    return _(MESSAGES["index.no_reference"], count=len(codes), indicators=_indicators(codes))


def _index_domain_unknown(params: Mapping[str, Any]) -> str:
    text = _(MESSAGES["index.domain_unknown"], domain=params["domain"])
    if params.get("suggestion"):
        suggestion = params["suggestion"]
        text += " " + _(MESSAGES["index.domain_unknown.suggestion"], suggestion=suggestion)
    return text


def _index_unscored(params: Mapping[str, Any]) -> str:
    periods = [str(period) for period in params["periods"]]
    shown = ", ".join(periods[:10])
    if len(periods) > 10:
        shown += _(" and %(count)s more", count=len(periods) - 10)
    return _(
        MESSAGES["index.unscored"],
        region=_region(params["region"]),
        count=len(periods),
        periods=shown,
    )


def _catalogue_unreadable(params: Mapping[str, Any]) -> str:
    """Why a catalogue file is not a table, from ``reason`` (the parser's English detail,
    ``error``, is left to the command line)."""
    if params.get("line") is not None:
        return _(
            MESSAGES["catalogue.unreadable.fields"],
            path=params["path"],
            line=params["line"],
            found=params["found"],
            expected=params["expected"],
        )
    return _(MESSAGES[f"catalogue.unreadable.{params['reason']}"], path=params["path"])


_FORMATTERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "layout.two_columns_for_role": _two_columns,
    "layout.same_period_columns": _same_period_columns,
    "layout.long_missing_columns": _long_missing,
    "region.unknown_did_you_mean": _did_you_mean,
    "region.wrong_kind": _wrong_kind,
    "region.below_first_level": _below_first_level,
    "indicator.missing": _indicator_missing,
    "period.wrong_frequency": _wrong_frequency,
    "period.frequency_mismatch": _frequency_mismatch,
    "key.duplicate": _duplicate,
    "region.ended": _ended,
    "region.not_yet": _not_yet,
    "region.split": _split,
    "run.ended_unit": _run_ended_unit,
    "run.beyond_history": _run_beyond_history,
    "catalogue.missing_columns": _catalogue_missing_columns,
    "run.model_failed": _run_model_failed,
    "catalogue.unreadable": _catalogue_unreadable,
    "index.unknown_indicators": _index_unknown_indicators,
    "index.outside_range": _index_outside_range,
    "index.constant": _index_constant,
    "index.no_reference": _index_no_reference,
    "index.domain_unknown": _index_domain_unknown,
    "index.unscored": _index_unscored,
    "values.percent_format": _percent_format,
}
