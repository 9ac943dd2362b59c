"""Council review pages: dashboard, region page, comments, printable reports, CSV."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from forecasting.index.classes import RISK_CLASSES, class_label
from webapp.audit.services import record
from webapp.auth.access import roles_required
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.form_choices import select_choices
from webapp.regions.models import Region
from webapp.regions.services import all_regions
from webapp.review import comments as comment_service
from webapp.review import queries, services
from webapp.review.charts import ForecastPoint, HistoryPoint, history_forecast_chart
from webapp.review.forms import (
    VERDICT_LABELS,
    CommentFilterForm,
    CommentForm,
    ReplyForm,
)
from webapp.review.models import ScoreComment
from webapp.review.numbers import NumberFormatter
from webapp.review.tilemap import TileMapError, UnitOnMap, build_tilemap, load_positions
from webapp.risk.catalogue import unit_after_name, unit_label
from webapp.risk.models import RiskModelRun
from webapp.times import time_with_zone

blueprint = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder="templates",
    static_folder="static",
    static_url_path="/review-static",
)


#: What must not break across lines: a range in brackets at a heading's end ("Оценка (0–10)",
#: "Score (0-10)"), the two ends of an interval ("7,6–9,0)") and a month ("2027-01").
_UNBREAKABLE = re.compile(
    r"\(\d+\s*[–-]\s*\d+\)|\d+(?:[.,]\d+)?–\d+(?:[.,]\d+)?\)?|\b\d{4}-\d{2}\b"
)


@blueprint.app_template_filter("unbroken_ranges")
def unbroken_ranges(text: str) -> Markup:
    """Keep "(0–10)", an interval's "7,6–9,0)" and a month "2027-01" on one line: in a narrow
    column (a phone, a printed A4 table) the browser broke them after the dash, leaving "(0–"
    above "10)" or "Прогноз 2027-" above "01"."""
    text = str(text)
    pieces, start = [], 0
    for match in _UNBREAKABLE.finditer(text):
        pieces.append(escape(text[start : match.start()]))
        pieces.append(Markup('<span class="nowrap">{}</span>').format(match.group(0)))
        start = match.end()
    pieces.append(escape(text[start:]))
    return Markup("").join(pieces)


#: Everyone who works with the scores; anonymous visitors use the open-data API instead.
REVIEWERS = (Role.COUNCIL_MEMBER, Role.ANALYST, Role.ADMIN)
COMMENTS_PAGE_SIZE = 30
#: Observed periods the printed region report lists in its table (a year of months); the
#: earlier ones stay in its chart and in the CSV of all scores.
PRINTED_PERIODS = 12


def language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


@blueprint.context_processor
def review_helpers() -> dict[str, Any]:
    """Class names in the viewer's language and the class ranges for legends."""
    viewer_language = language()

    def label(code: str) -> str:
        return class_label(code, viewer_language) if code in RISK_CLASSES else code

    def ranges(bounds: tuple[float, ...]) -> list[tuple[str, float | None, float | None]]:
        edges: list[float | None] = [None, *bounds, None]
        return [
            (code, edges[position], edges[position + 1])
            for position, code in enumerate(RISK_CLASSES)
        ]

    formatter = number_formatter(str(get_locale() or "en"))

    return {
        "class_label": label,
        "class_ranges": ranges,
        "number": formatter.number,
        "region_url": region_url,
        "signed": formatter.signed,
        "percent": formatter.percent,
        "suppression_threshold": services.suppression_threshold(),
        "time_with_zone": time_with_zone,
        "unit_after_name": unit_after_name,
        "unit_label": unit_label,
    }


def region_url(code: str, period: str | None = None) -> str:
    """The region page's address, built by substitution: a page links to every unit twice."""
    templates = g.setdefault("region_url_templates", {})
    if period not in templates:
        templates[period] = url_for("review.region", code="__unit__", period=period)
    return templates[period].replace("__unit__", quote(code, safe=""), 1)


@lru_cache(maxsize=16)
def number_formatter(locale: str) -> NumberFormatter:
    return NumberFormatter(locale)


def published_run_or_none() -> RiskModelRun | None:
    return queries.published_run()


def tilemap_for(dashboard: services.Dashboard):
    """The dashboard's units on the tile map; a broken layout file still leaves a map."""
    try:
        positions = load_positions(current_app.config.get("REVIEW_TILEMAP_FILE"))
    except TileMapError as error:
        current_app.logger.error("tile map layout refused: %s", error)
        positions = {}
    formatter = number_formatter(str(get_locale() or "en"))
    viewer_language = language()
    no_score = _("No score")
    units = [
        UnitOnMap(
            code=row.region.code,
            name=row.name,
            risk_class=row.risk_class,
            value=row.score,
            href=region_url(row.region.code, dashboard.period),
            description=(
                f"{row.name}: {formatter.number(row.score)}, "
                f"{class_label(row.risk_class, viewer_language) if row.risk_class else no_score}"
            ),
        )
        for row in sorted(dashboard.rows, key=lambda row: row.region.position)
    ]
    return build_tilemap(units, positions, language())


def _dashboard_from_request(run: RiskModelRun) -> services.Dashboard:
    sort = request.args.get("sort", "score")
    descending = request.args.get("dir", "desc" if sort != "region" else "asc") != "asc"
    try:
        return services.build_dashboard(
            run,
            language(),
            period=request.args.get("period") or None,
            domain_code=request.args.get("domain") or None,
            sort=sort,
            descending=descending,
        )
    except services.ReviewError as error:
        abort(404, description=str(error))


@blueprint.get("/")
@roles_required(*REVIEWERS)
def dashboard() -> str:
    run = published_run_or_none()
    if run is None or not queries.scored_periods(run.run_id):
        return render_template("review/no_run.html")
    board = _dashboard_from_request(run)
    return render_template("review/dashboard.html", board=board, tilemap=tilemap_for(board))


@blueprint.get("/report")
@roles_required(*REVIEWERS)
def country_report() -> str:
    run = published_run_or_none()
    if run is None or not queries.scored_periods(run.run_id):
        return render_template("review/no_run.html")
    board = _dashboard_from_request(run)
    return render_template("review/country_report.html", board=board, tilemap=tilemap_for(board))


def _region_or_404(code: str) -> Region:
    region = db.session.get(Region, code) if len(code) <= 32 and code.isprintable() else None
    if region is None:
        abort(404, description=_("There is no unit with the code %(code)s.", code=code))
    return region


def _region_report(run: RiskModelRun, region: Region) -> services.RegionReport:
    try:
        return services.build_region_report(
            run, region, language(), period=request.args.get("period") or None
        )
    except services.ReviewError as error:
        abort(404, description=str(error))


#: The value axis's labels: whole numbers as they are, a half step with one decimal ("2,5").
AXIS_NUMBER_PATTERN = "#,##0.#"


def region_chart(report: services.RegionReport):
    history = [
        HistoryPoint(row.period, row.score) for row in report.history if row.score is not None
    ]
    forecast = [
        ForecastPoint(
            period=row.period,
            mean=row.mean,
            lower_80=row.lower_80,
            upper_80=row.upper_80,
            lower_95=row.lower_95,
            upper_95=row.upper_95,
            probability_high=row.probability_high,
        )
        for row in report.forecasts
        if row.mean is not None
    ]
    formatter = number_formatter(str(get_locale() or "en"))
    return history_forecast_chart(
        history,
        forecast,
        class_bounds=report.bounds,
        class_codes=RISK_CLASSES,
        number_format=lambda value: formatter.number(value, AXIS_NUMBER_PATTERN),
    )


@blueprint.route("/regions/<code>", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def region(code: str) -> str | Response:
    region = _region_or_404(code)
    run = published_run_or_none()
    if run is None:
        return render_template("review/no_run.html")
    report = _region_report(run, region)
    form = CommentForm()
    form.period.choices = select_choices((period, period) for period in reversed(report.periods))
    if request.method == "GET" and report.period:
        form.period.data = report.period
    if request.method == "POST":
        if current_user.role != Role.COUNCIL_MEMBER:
            abort(403)
        if form.validate_on_submit():
            try:
                comment_service.add_comment(
                    run, region, form.period.data, form.verdict.data, form.body.data, current_user
                )
            except comment_service.CommentRefused as error:
                db.session.rollback()
                form.period.errors = [*form.period.errors, str(error)]
            else:
                db.session.commit()
                # Shown in the comments section, where the redirect's #comments opens the
                # page, rather than at its top (base.html leaves "in-place" messages out).
                flash(_("Your comment was recorded."), "in-place")
                return redirect(
                    url_for("review.region", code=region.code, period=form.period.data)
                    + "#comments"
                )
        elif form.period.data and form.period.data not in report.periods:
            # The select refuses periods it does not list; say why in the council's terms.
            form.period.errors = [
                _(
                    "The published model run has no score for this unit in %(period)s, so "
                    "there is nothing to comment on. Choose one of the scored periods.",
                    period=form.period.data,
                )
            ]
    return render_template(
        "review/region.html",
        report=report,
        ended=services.ended_unit(region, language()),
        chart=region_chart(report),
        form=form,
        comments=comment_service.region_comments(region.code),
        can_comment=current_user.role == Role.COUNCIL_MEMBER,
        verdict_labels=VERDICT_LABELS,
    ), (400 if form.errors else 200)


@blueprint.get("/regions/<code>/report")
@roles_required(*REVIEWERS)
def region_report(code: str) -> str:
    region = _region_or_404(code)
    run = published_run_or_none()
    if run is None:
        return render_template("review/no_run.html")
    report = _region_report(run, region)
    return render_template(
        "review/region_report.html",
        report=report,
        ended=services.ended_unit(region, language()),
        chart=region_chart(report),
        comments=[
            comment
            for comment in comment_service.region_comments(region.code)
            if comment.run_id == run.run_id
        ],
        verdict_labels=VERDICT_LABELS,
        printed_periods=PRINTED_PERIODS,
    )


@blueprint.get("/scores.csv")
@roles_required(*REVIEWERS)
def scores_csv() -> Response:
    """Every score of the published run, one row per unit and period; audit-logged."""
    run = published_run_or_none()
    if run is None:
        abort(404, description=_("No model run has been published yet."))
    domain_codes = [domain.code for domain in queries.domains()]
    names = {region.code: region.name(language()) for region in all_regions()}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "run_id",
            "region_code",
            "region_name",
            "period",
            "score",
            "risk_class",
            "reliability",
            "n_missing",
            "n_stale",
            *[f"domain_{code}" for code in domain_codes],
        ]
    )
    rows = 0
    for score in queries.all_scores(run.run_id):
        domain_scores = score.domain_scores or {}
        writer.writerow(
            [
                run.run_id,
                score.region_code,
                names.get(score.region_code, score.region_code),
                score.period,
                _csv_number(score.score),
                score.risk_class,
                _csv_number(score.reliability),
                score.n_missing,
                score.n_stale,
                *[_csv_number(domain_scores.get(code)) for code in domain_codes],
            ]
        )
        rows += 1
    record("export.risk_scores", "risk_model_run", run.run_id, {"rows": rows, "format": "csv"})
    db.session.commit()
    filename = f"risk-scores-{run.run_id}.csv"
    return Response(
        "\ufeff" + buffer.getvalue(),  # the byte-order mark lets spreadsheets read Cyrillic
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_number(value: Any) -> str:
    value = services.finite(value)
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


@blueprint.get("/comments")
@roles_required(Role.ANALYST, Role.ADMIN)
def comments() -> str:
    form = CommentFilterForm(request.args)
    # Today's units and any other that has a comment: the registry also keeps units
    # abolished long ago (the oblasts of 1997), which no comment can be about.
    commented = comment_service.comment_regions()
    form.region.choices = select_choices(
        [("", "—")]
        + [
            (region.code, region.name(language()))
            for region in all_regions()
            if region.is_current or region.code in commented
        ]
    )
    form.period.choices = select_choices(
        [("", "—")] + [(p, p) for p in comment_service.comment_periods()]
    )
    form.run_id.choices = select_choices(
        [("", "—")] + [(r, r) for r in comment_service.comment_runs()]
    )
    criteria = comment_service.CommentFilter(
        region=form.region.data or "",
        verdict=form.verdict.data or "",
        period=form.period.data or "",
        run_id=form.run_id.data or "",
        status=form.status.data or "",
    )
    page = db.paginate(
        comment_service.comments_query(criteria), per_page=COMMENTS_PAGE_SIZE, error_out=False
    )
    run = published_run_or_none()
    return render_template(
        "review/comments.html",
        form=form,
        page=page,
        verdict_labels=VERDICT_LABELS,
        published_run_id=run.run_id if run else None,
    )


@blueprint.route("/comments/<int:comment_id>", methods=["GET", "POST"])
@roles_required(Role.ANALYST, Role.ADMIN)
def comment(comment_id: int) -> str | Response:
    item = db.session.get(ScoreComment, comment_id)
    if item is None:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            comment_service.add_reply(item, form.body.data, current_user)
        except comment_service.CommentRefused as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Your reply was recorded."), "success")
            return redirect(url_for("review.comment", comment_id=item.id))
    run = published_run_or_none()
    return render_template(
        "review/comment.html",
        comment=item,
        form=form,
        verdict_labels=VERDICT_LABELS,
        published_run_id=run.run_id if run else None,
    ), (400 if form.errors else 200)
