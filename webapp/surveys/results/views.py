"""Results pages: figures and charts, exports for analysts, indicator mappings."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.database import utcnow
from webapp.extensions import db
from webapp.form_choices import select_choices
from webapp.surveys.models import Survey, SurveyKind, SurveyState
from webapp.surveys.results import charts, export, services
from webapp.surveys.results.export import (
    codebook_csv,
    export_columns,
    stored_csv_chunks,
    write_stored_xlsx,
)
from webapp.surveys.results.export_query import stored_rows
from webapp.surveys.results.figures import FilterError, Filters
from webapp.surveys.results.forms import (
    METHOD_LABELS,
    MappingForm,
    PopulationForm,
    ResultsFilterForm,
)
from webapp.surveys.results.indicators import MappingError
from webapp.surveys.results.models import SurveyIndicatorMapping
from webapp.surveys.results.tally import KIND_BY_TYPE, NO_REGION
from webapp.templating import local_number

blueprint = Blueprint(
    "survey_results",
    __name__,
    url_prefix="/results",
    template_folder="templates",
    static_folder="static",
)

STAFF = (Role.ADMIN, Role.ANALYST)
READERS = (Role.ADMIN, Role.ANALYST, Role.COUNCIL_MEMBER)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STREAM_CHUNK = 256 * 1024


def viewer_is_analyst() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF


def interface_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def visible_survey_or_404(survey_id: int) -> Survey:
    """Council members see citizen surveys that have been opened; staff see every survey.

    Council feedback is private to each council, its state body's analysts and the
    administrators (docs/security.md): a member reads their own council's on its summary
    page, never another council's here (as the open API leaves feedback out too).
    """
    survey = db.get_or_404(Survey, survey_id)
    if not viewer_is_analyst() and (
        survey.state == SurveyState.DRAFT or survey.kind != SurveyKind.CITIZEN.value
    ):
        abort(404)
    return survey


@blueprint.get("/")
@roles_required(*READERS)
def index() -> str:
    query = sa.select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    if not viewer_is_analyst():
        query = query.where(
            Survey.state != SurveyState.DRAFT, Survey.kind == SurveyKind.CITIZEN.value
        )
    surveys = list(db.session.scalars(query))
    titles = {}
    for survey in surveys:
        definitions = services.survey_definitions(survey)
        titles[survey.id] = (
            definitions[0].label(interface_language()) if definitions else survey.slug
        )
    return render_template("survey_results/index.html", surveys=surveys, titles=titles)


@blueprint.get("/<int:survey_id>")
@roles_required(*READERS)
def results(survey_id: int) -> str:
    survey = visible_survey_or_404(survey_id)
    analyst = viewer_is_analyst()
    language = interface_language()
    form = ResultsFilterForm(request.args)
    snapshot = services.load_snapshot(survey)
    months = snapshot.months()
    names = services.region_names(language)
    offered = services.filter_regions(snapshot, language)
    form.region.choices = select_choices(
        [("", _("All regions"))] + [(code, name) for code, name in offered.items()]
    )
    form.month_from.choices = select_choices([("", _("First month"))] + [(m, m) for m in months])
    form.month_to.choices = select_choices([("", _("Last month"))] + [(m, m) for m in months])
    filters = Filters()
    if form.validate():
        try:
            filters = services.check_filters(
                Filters(
                    region=form.region.data or None,
                    month_from=form.month_from.data or None,
                    month_to=form.month_to.data or None,
                )
            )
        except (FilterError, services.ResultsError) as error:
            flash(str(error), "error")
    summary = services.survey_summary(survey, filters, analyst, language)

    def figures() -> str:
        texts = {}
        if analyst:
            for question in summary["questions"]:
                if question["kind"] == "text":
                    texts[question["name"]] = services.free_text_answers(
                        survey, question["name"], filters
                    )
        return render_template(
            "survey_results/_figures.html",
            survey=survey,
            summary=summary,
            analyst=analyst,
            region_names=names,
            charts=_charts(summary, services.survey_definitions(survey)),
            texts=texts,
            no_region=NO_REGION,
        )

    markup = services.cached_markup(
        survey, snapshot, (filters, analyst, str(get_locale())), figures
    )
    return render_template(
        "survey_results/results.html",
        survey=survey,
        summary=summary,
        form=form,
        analyst=analyst,
        figures=Markup(markup),  # noqa: S704 - rendered by Jinja (autoescaped) in figures()
        pending=services.pending_responses(survey),
        # A printed page is read at a council's meeting days later: it says when it was drawn.
        counted_at=utcnow(),
    )


def _charts(summary: dict[str, Any], definitions: list) -> dict[str, Any]:
    """Chart geometry for every table of the page, numbers as the page's language writes them."""
    number = charts.localised(local_number)
    built: dict[str, Any] = {
        "by_month": charts.column_chart(
            [(row["month"], row["count"]) for row in summary["by_month"]], number
        ),
    }
    if summary["by_day"]:
        built["by_day"] = charts.column_chart(
            [(row["day"], row["count"]) for row in summary["by_day"]], number
        )
    for question in summary["questions"]:
        name = question["name"]
        if "rows" in question:
            items = [
                (
                    row["label"] if row["value"] is not None else _("No answer"),
                    row["share"],
                    f"{local_number(row['share'], 1)}%"
                    if row["share"] is not None
                    else _("hidden"),
                )
                for row in question["rows"]
            ]
            built[name] = charts.bar_chart(items, maximum=100, number=number)
        summary_figures = question.get("summary")
        if summary_figures:
            low, high = _scale(question, definitions, summary_figures)
            built[f"{name}/box"] = charts.box_plot(summary_figures, low, high, number)
    return built


def _scale(
    question: dict[str, Any], definitions: list, figures: dict[str, float]
) -> tuple[float, float]:
    """The axis of a box plot: a range question's own ends, else around the quartiles."""
    if question["kind"] == "scale":
        values = [float(row["value"]) for row in question["rows"] if row["value"] is not None]
        if values:
            return min(values), max(values)
    low = min(0.0, figures["q1"])
    high = max(figures["q3"], figures["mean"]) * 1.25 or 1.0
    return low, high


# --------------------------------------------------------------------------- exports


def _attachment(survey: Survey, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{survey.slug}-{suffix}"'}


@blueprint.get("/<int:survey_id>/export.csv")
@roles_required(*STAFF)
def export_csv(survey_id: int) -> Response:
    survey = db.get_or_404(Survey, survey_id)
    definitions = services.survey_definitions(survey)
    last_id, _rows = services.start_export(survey, "csv")
    columns = export_columns(definitions)
    body = stored_csv_chunks(columns, stored_rows(survey, last_id))
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers=_attachment(survey, "responses.csv"),
    )


@blueprint.get("/<int:survey_id>/export.xlsx")
@roles_required(*STAFF)
def export_xlsx(survey_id: int) -> Response:
    survey = db.get_or_404(Survey, survey_id)
    definitions = services.survey_definitions(survey)
    try:  # the header takes a row of the worksheet
        last_id, _rows = services.start_export(survey, "xlsx", export.XLSX_MAX_ROWS - 1)
    except services.ExportTooLarge as too_large:
        flash(
            _(
                "This survey has %(count)s responses, more than an Excel worksheet holds "
                "(%(limit)s). Download the CSV file instead: it has every response.",
                count=format_decimal(too_large.rows),
                limit=format_decimal(too_large.limit),
            ),
            "error",
        )
        return redirect(url_for("survey_results.results", survey_id=survey.id))

    def body() -> Iterator[bytes]:
        descriptor, name = tempfile.mkstemp(suffix=".xlsx")
        os.close(descriptor)
        path = Path(name)
        try:
            write_stored_xlsx(path, definitions, stored_rows(survey, last_id))
            with path.open("rb") as handle:
                while chunk := handle.read(STREAM_CHUNK):
                    yield chunk
        finally:
            path.unlink(missing_ok=True)

    return Response(
        stream_with_context(body()),
        mimetype=XLSX_TYPE,
        headers=_attachment(survey, "responses.xlsx"),
    )


@blueprint.get("/<int:survey_id>/codebook.csv")
@roles_required(*STAFF)
def codebook(survey_id: int) -> Response:
    survey = db.get_or_404(Survey, survey_id)
    return Response(
        codebook_csv(services.survey_definitions(survey)),
        mimetype="text/csv",
        headers=_attachment(survey, "codebook.csv"),
    )


# --------------------------------------------------------------------------- indicators


def _mapping_form(survey: Survey, data: Any = None) -> MappingForm:
    language = interface_language()
    form = MappingForm(data)
    form.indicator.choices = select_choices(
        (code, f"{code} — {name}") for code, name, _ in services.survey_indicator_codes(language)
    )
    questions = services.result_questions(services.survey_definitions(survey))
    form.question.choices = select_choices(
        (question.name, f"{question.name} — {definition.text(question.label, language)}")
        for definition, question in questions
        if KIND_BY_TYPE.get(question.type) in ("choice", "scale", "multiple", "numeric")
    )
    # A question the list leaves out (a free text, a date) is refused by the service, which
    # says why ("a share needs a choice question; 'remark' is not one"), not "Not a valid
    # choice".
    form.question.validate_choice = False
    return form


def _indicators_page(survey: Survey, form: MappingForm, population_form: PopulationForm) -> str:
    language = interface_language()
    definitions = services.survey_definitions(survey)
    choice_questions = [
        (question, definition.choices_for(question), definition)
        for definition, question in services.result_questions(definitions)
        if question.type in ("select_one", "select_multiple") and not question.region
    ]
    # Periods under way are running figures: shown apart, never published (indicators.py).
    observations, running = services.survey_indicator_values([survey], include_national=True)
    # Official statistics imported for a key are scored instead of the survey's value.
    imported = services.officially_imported(observations)
    shown = observations.head(200).to_dict("records")
    for row in shown:
        row["imported"] = (row["indicator"], row["region"], str(row["period"])) in imported
    return render_template(
        "survey_results/indicators.html",
        survey=survey,
        title=definitions[0].label(language) if definitions else survey.slug,
        mappings=services.mappings_for(survey),
        form=form,
        population_form=population_form,
        choice_questions=choice_questions,
        method_labels=METHOD_LABELS,
        observations=shown,
        observation_count=len(observations),
        imported_count=len(imported),
        overlaps=services.indicator_overlaps(survey, language),
        running=[
            {**row, "ends": row["period"].end_time.date()}
            for row in running.head(200).to_dict("records")
        ],
        populations=services.populations(),
        region_names=services.region_names(language),
    )


@blueprint.get("/<int:survey_id>/indicators")
@roles_required(*STAFF)
def indicators(survey_id: int) -> str:
    survey = db.get_or_404(Survey, survey_id)
    return _indicators_page(survey, _mapping_form(survey), PopulationForm())


@blueprint.post("/<int:survey_id>/indicators")
@roles_required(*STAFF)
def add_indicator(survey_id: int) -> Response | str:
    survey = db.get_or_404(Survey, survey_id)
    form = _mapping_form(survey, request.form)
    if form.validate():
        try:
            services.add_mapping(
                survey,
                form.indicator.data,
                form.question.data,
                form.method.data,
                (form.codes.data or "").replace(",", " ").split(),
                actor=current_user,
            )
        except MappingError as error:
            db.session.rollback()
            target = getattr(form, error.field if error.field in form else "indicator")
            target.errors = [*target.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The indicator mapping was saved."), "success")
            return redirect(url_for("survey_results.indicators", survey_id=survey.id))
    return _indicators_page(survey, form, PopulationForm())


@blueprint.post("/<int:survey_id>/indicators/<int:mapping_id>/delete")
@roles_required(*STAFF)
def remove_indicator(survey_id: int, mapping_id: int) -> Response:
    mapping = db.get_or_404(SurveyIndicatorMapping, mapping_id)
    if mapping.survey_id != survey_id:
        abort(404)
    services.remove_mapping(mapping, actor=current_user)
    db.session.commit()
    flash(_("The indicator mapping was removed."), "success")
    return redirect(url_for("survey_results.indicators", survey_id=survey_id))


@blueprint.post("/<int:survey_id>/populations")
@roles_required(*STAFF)
def upload_populations(survey_id: int) -> Response | str:
    survey = db.get_or_404(Survey, survey_id)
    form = PopulationForm()
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
            loaded = services.load_populations(text, form.source.data or "")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
        except services.ResultsError as error:
            db.session.rollback()
            form.file.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Populations of %(count)d regions were loaded.", count=loaded), "success")
            return redirect(url_for("survey_results.indicators", survey_id=survey.id))
    return _indicators_page(survey, _mapping_form(survey), form)
