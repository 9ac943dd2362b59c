"""The open-data API, version 1: read-only, public, published figures only.

Every route is GET and ``@public``. Scores and forecasts come from the published run alone;
survey figures go through the survey module's small-cell suppression. ``/api/v1/openapi.json``
describes every route, parameter and response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.wrappers import Response

from webapp.api import is_api_path, params, serializers
from webapp.api.openapi import openapi_document
from webapp.auth.access import public
from webapp.extensions import db, limiter
from webapp.regions.models import Region
from webapp.review.services import class_bounds
from webapp.risk import services as risk
from webapp.risk.models import (
    RiskDomain,
    RiskForecast,
    RiskIndicator,
    RiskModelRun,
    RiskScore,
)
from webapp.surveys.models import Survey, SurveyKind, SurveyState
from webapp.surveys.results import services as results
from webapp.surveys.results.figures import FilterError, Filters

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
# Attached here, once: in register() every create_app added another copy of the limit to the
# shared limiter, and a request then counted once per app the process had built.
limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "300 per minute"))(blueprint)

NO_PUBLISHED_RUN = "no model run has been published yet"
#: Seconds a client or cache may reuse a response (``API_CACHE_SECONDS``): the figures change
#: when a run is published or responses arrive, which a minute's delay does not hurt.
DEFAULT_CACHE_SECONDS = 60
#: Response headers a script on another site may read (the others are hidden by CORS).
EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def is_api_request() -> bool:
    """The request is for the API: a route of this blueprint, or any address under the API's
    prefix (an unknown one, ``/api/v2/...`` included, gets the API's JSON 404 and its
    headers, not the site's)."""
    return request.blueprint == blueprint.name or is_api_path(request.path)


@blueprint.after_app_request
def open_data_headers(response: Response) -> Response:
    """CORS for any site, and caching with revalidation, as open-data clients expect.

    Everything here is public and no request is authenticated, so any origin may read it
    (``*``, without credentials: a browser then sends no cookie). A success may be reused for
    ``API_CACHE_SECONDS`` and revalidated with its ETag (304, no body); a request that carries
    cookies gets ``private``, because a staff session's cookie may be refreshed on the same
    response and a shared cache must not hand that to others. Errors are not kept: the run
    missing now may be published a minute later. Registered on the app, not the blueprint,
    so that an unknown address under ``/api/v1/`` (which matches no route of the blueprint)
    gets the same headers as the API's other errors.
    """
    if not is_api_request():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response
    if response.status_code != 200 or request.method not in {"GET", "HEAD"}:
        response.headers["Cache-Control"] = "no-store"
        return response
    seconds = int(current_app.config.get("API_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    scope = "private" if request.cookies else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={seconds}"
    response.add_etag()
    return response.make_conditional(request)


def _page_of(query: sa.Select, page: params.Page) -> tuple[list[Any], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = list(db.session.scalars(query.limit(page.per_page).offset(page.offset)))
    return items, total


def _published_run() -> RiskModelRun:
    run = risk.published_run()
    if run is None:
        abort(404, description=NO_PUBLISHED_RUN)
    return run


def _run_reference(run: RiskModelRun) -> dict[str, Any]:
    return {"run_id": run.run_id, "created_at": serializers.timestamp(run.created_at)}


@blueprint.get("/", strict_slashes=False)
@public
def index() -> Response:
    """The entry point, at ``/api/v1/`` and at ``/api/v1`` alike: a client that leaves out
    the slash gets the same JSON, not a redirect (Flask's 308 is an HTML page without the
    CORS header, which a browser on another site may not follow)."""
    params.check_known(())
    return jsonify(
        {
            "version": "v1",
            "openapi": url_for("api.openapi"),
            "links": {
                "regions": url_for("api.regions"),
                "domains": url_for("api.domains"),
                "indicators": url_for("api.indicators"),
                "run": url_for("api.run"),
                "scores": url_for("api.scores"),
                "forecasts": url_for("api.forecasts"),
                "surveys": url_for("api.surveys"),
            },
        }
    )


@blueprint.get("/openapi.json")
@public
def openapi() -> Response:
    params.check_known(())
    return jsonify(openapi_document())


@blueprint.get("/regions")
@public
def regions() -> Response:
    params.check_known(("current", *params.PAGINATION_PARAMETERS))
    current = params.boolean("current")
    page = params.page_from_request()
    everything = list(db.session.scalars(sa.select(Region).order_by(Region.position, Region.code)))
    if current is not None:
        everything = [region for region in everything if region.is_current == current]
    chosen = everything[page.offset : page.offset + page.per_page]
    return jsonify(
        params.paginated([serializers.region_json(r) for r in chosen], len(everything), page)
    )


@blueprint.get("/regions/<code>")
@public
def region(code: str) -> Response:
    params.check_known(())
    found = db.session.get(Region, params.path_code(code, "region", 32))
    if found is None:
        abort(404, description=f"there is no region {code!r}")
    return jsonify(serializers.region_json(found))


@blueprint.get("/domains")
@public
def domains() -> Response:
    params.check_known(params.PAGINATION_PARAMETERS)
    page = params.page_from_request()
    items, total = _page_of(sa.select(RiskDomain).order_by(RiskDomain.position), page)
    return jsonify(params.paginated([serializers.domain_json(d) for d in items], total, page))


@blueprint.get("/indicators")
@public
def indicators() -> Response:
    params.check_known(("domain", *params.PAGINATION_PARAMETERS))
    domain = params.text("domain")
    page = params.page_from_request()
    query = sa.select(RiskIndicator).order_by(RiskIndicator.position, RiskIndicator.code)
    if domain is not None:
        if db.session.get(RiskDomain, domain) is None:
            raise params.unknown_value("domain", domain, "see /api/v1/domains")
        query = query.where(RiskIndicator.domain_code == domain)
    items, total = _page_of(query, page)
    return jsonify(params.paginated([serializers.indicator_json(i) for i in items], total, page))


@blueprint.get("/indicators/<code>")
@public
def indicator(code: str) -> Response:
    params.check_known(())
    found = db.session.get(RiskIndicator, params.path_code(code, "indicator"))
    if found is None:
        abort(404, description=f"there is no indicator {code!r}")
    return jsonify(serializers.indicator_json(found))


@blueprint.get("/run")
@public
def run() -> Response:
    """The published run: when it was computed, its periods, class bounds, data freshness."""
    params.check_known(())
    published = _published_run()
    freshness = [
        {
            "indicator": item.code,
            "values": item.values,
            "latest_period": item.latest_period,
            "last_updated_at": serializers.timestamp(item.last_imported_at),
        }
        for item in risk.data_freshness()
    ]
    return jsonify(
        serializers.run_json(
            published, risk.periods_for(published.run_id), class_bounds(published), freshness
        )
    )


def _region_filter() -> str | None:
    code = params.text("region", 32)
    if code is not None and db.session.get(Region, code) is None:
        raise params.unknown_value("region", code, "see /api/v1/regions")
    return code


@blueprint.get("/scores")
@public
def scores() -> Response:
    params.check_known(("period", "region", *params.PAGINATION_PARAMETERS))
    published = _published_run()
    period = params.text("period", 16)
    region_code = _region_filter()
    page = params.page_from_request()
    query = (
        sa.select(RiskScore)
        .where(RiskScore.run_id == published.run_id)
        .order_by(RiskScore.period_start, RiskScore.region_code)
    )
    if period is not None:
        known = risk.periods_for(published.run_id)
        if period not in known:
            raise params.unknown_value(
                "period", period, f"the published run scores {', '.join(known) or 'no period'}"
            )
        query = query.where(RiskScore.period == period)
    if region_code is not None:
        query = query.where(RiskScore.region_code == region_code)
    return _published_page(query, page, serializers.score_json, published)


@blueprint.get("/forecasts")
@public
def forecasts() -> Response:
    params.check_known(("region", "target", "period", *params.PAGINATION_PARAMETERS))
    published = _published_run()
    region_code = _region_filter()
    target = params.text("target")
    period = params.text("period", 16)
    page = params.page_from_request()
    query = (
        sa.select(RiskForecast)
        .where(RiskForecast.run_id == published.run_id)
        .order_by(RiskForecast.target, RiskForecast.region_code, RiskForecast.period_start)
    )
    if target is not None:
        if target != "score" and db.session.get(RiskIndicator, target) is None:
            raise params.unknown_value("target", target, "use score or an indicator code")
        query = query.where(RiskForecast.target == target)
    if period is not None:
        known = list(
            db.session.scalars(
                sa.select(RiskForecast.period)
                .where(RiskForecast.run_id == published.run_id)
                .group_by(RiskForecast.period)
                .order_by(sa.func.min(RiskForecast.period_start))
            )
        )
        if period not in known:
            raise params.unknown_value(
                "period", period, f"the published run forecasts {', '.join(known) or 'nothing'}"
            )
        query = query.where(RiskForecast.period == period)
    if region_code is not None:
        query = query.where(RiskForecast.region_code == region_code)
    return _published_page(query, page, serializers.forecast_json, published)


def _published_page(
    query: sa.Select, page: params.Page, serialize: Callable[[Any], dict], published: RiskModelRun
) -> Response:
    """One page of a published run's rows, with the run named so clients can cite it."""
    items, total = _page_of(query, page)
    return jsonify(
        params.paginated(
            [serialize(item) for item in items], total, page, run=_run_reference(published)
        )
    )


# --- Surveys -------------------------------------------------------------------------------

#: Only citizen surveys that respondents could see: council feedback is addressed to a state
#: body, and drafts were never public.
PUBLIC_SURVEY_STATES = (SurveyState.OPEN, SurveyState.CLOSED)
LANGUAGES = ("kk", "ru", "en")


def _public_surveys() -> sa.Select:
    return (
        sa.select(Survey)
        .where(
            Survey.state.in_([state.value for state in PUBLIC_SURVEY_STATES]),
            Survey.kind == SurveyKind.CITIZEN.value,
            Survey.current_version_id.is_not(None),
        )
        .order_by(Survey.id)
    )


@blueprint.get("/surveys")
@public
def surveys() -> Response:
    params.check_known(params.PAGINATION_PARAMETERS)
    page = params.page_from_request()
    items, total = _page_of(_public_surveys(), page)
    return jsonify(params.paginated([serializers.survey_json(item) for item in items], total, page))


@blueprint.get("/surveys/<int:survey_id>/results")
@public
def survey_results(survey_id: int) -> Response:
    """Every figure of a survey, through small-cell suppression (never the analysts' view)."""
    params.check_known(("region", "month_from", "month_to", "lang"))
    survey = db.session.scalar(_public_surveys().where(Survey.id == survey_id))
    if survey is None:
        abort(404, description=f"there is no published citizen survey {survey_id}")
    language = params.text("lang", 2)
    if language is not None and language not in LANGUAGES:
        abort(400, description=f"lang must be one of {', '.join(LANGUAGES)}, got {language!r}")
    region_code = _region_filter()
    try:
        filters = Filters(
            region=region_code,
            month_from=params.text("month_from", 7),
            month_to=params.text("month_to", 7),
        )
        summary = results.survey_summary(
            survey, filters, viewer_is_analyst=False, language=language
        )
    except FilterError as error:
        abort(400, description=str(error))
    except results.ResultsError as error:
        raise UnprocessableEntity(description=str(error)) from None
    return jsonify(serializers.survey_results_json(summary))
