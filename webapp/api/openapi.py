"""The OpenAPI 3.1 document of the open-data API, written by hand.

Hand-written on purpose: it is the contract people build on, so it should read as one. The
tests keep it honest: the document validates against the OpenAPI 3.1 schema, it lists
exactly the routes and query parameters the views accept, and every response in the tests
validates against the schema documented for it.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from webapp.api.params import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE

NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_STRING = {"type": ["string", "null"]}
LANGUAGE_NAMES = {
    "type": "object",
    "description": "The name in Kazakh, Russian and English.",
    "properties": {"kk": {"type": "string"}, "ru": {"type": "string"}, "en": {"type": "string"}},
    "required": ["kk", "ru", "en"],
    "additionalProperties": False,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(item: str, with_run: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": _ref(item)},
            "meta": _ref("PageMeta"),
            "links": _ref("PageLinks"),
        },
        "required": ["data", "meta", "links"],
        "additionalProperties": False,
    }
    if with_run:
        schema["properties"]["run"] = _ref("RunReference")
        schema["required"].append("run")
    return schema


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


PAGINATION = [
    {"$ref": "#/components/parameters/page"},
    {"$ref": "#/components/parameters/per_page"},
]
ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
}
WITH_404 = {**ERRORS, "404": {"$ref": "#/components/responses/NotFound"}}
WITH_422 = {**ERRORS, "422": {"$ref": "#/components/responses/Unprocessable"}}
RUN_ERRORS = {
    **ERRORS,
    "404": {"$ref": "#/components/responses/NoPublishedRun"},
    "422": {"$ref": "#/components/responses/Unprocessable"},
}


#: Headers of every successful response: open to any site (CORS), cacheable, revalidable.
SUCCESS_HEADERS = {
    "ETag": {"$ref": "#/components/headers/ETag"},
    "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
    "Access-Control-Allow-Origin": {"$ref": "#/components/headers/Access-Control-Allow-Origin"},
}
#: Answers any operation can give besides its own: a revalidated copy, and the rate limit.
COMMON_RESPONSES = {
    "304": {"$ref": "#/components/responses/NotModified"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    tag: str,
    ok: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
    errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": [tag],
            "parameters": parameters or [],
            "responses": {
                "200": {**ok, "headers": SUCCESS_HEADERS},
                **COMMON_RESPONSES,
                **(errors if errors is not None else ERRORS),
            },
        }
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "detail": {"type": "string", "description": "What is wrong, and where."},
                },
                "required": ["status", "title", "detail"],
            }
        },
        "required": ["error"],
    },
    "PageMeta": {
        "type": "object",
        "properties": {
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0, "description": "Items in all pages."},
            "pages": {"type": "integer", "minimum": 1},
        },
        "required": ["page", "per_page", "total", "pages"],
        "additionalProperties": False,
    },
    "PageLinks": {
        "type": "object",
        "description": "Links to pages of the same query; next and prev are null at the ends.",
        "properties": {
            "self": {"type": "string"},
            "first": {"type": "string"},
            "last": {"type": "string"},
            "next": NULLABLE_STRING,
            "prev": NULLABLE_STRING,
        },
        "required": ["self", "first", "last", "next", "prev"],
        "additionalProperties": False,
    },
    "Index": {
        "type": "object",
        "properties": {
            "version": {"const": "v1"},
            "openapi": {"type": "string"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["version", "openapi", "links"],
        "additionalProperties": False,
    },
    "Region": {
        "type": "object",
        "description": "A first-level territorial unit (ISO 3166-2 code).",
        "properties": {
            "code": {"type": "string", "examples": ["KZ-75"]},
            "kind": {"enum": ["region", "city"]},
            "names": LANGUAGE_NAMES,
            "aliases": {"type": "array", "items": {"type": "string"}},
            "valid_from": {"type": ["string", "null"], "format": "date"},
            "valid_to": {"type": ["string", "null"], "format": "date"},
            "predecessors": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Codes of the units this one was made from.",
            },
            "is_current": {"type": "boolean"},
        },
        "required": [
            "code",
            "kind",
            "names",
            "aliases",
            "valid_from",
            "valid_to",
            "predecessors",
            "is_current",
        ],
        "additionalProperties": False,
    },
    "Domain": {
        "type": "object",
        "description": "A domain of the risk index; its indicators average into a domain score.",
        "properties": {
            "code": {"type": "string"},
            "names": LANGUAGE_NAMES,
            "weight": {"type": "number"},
        },
        "required": ["code", "names", "weight"],
        "additionalProperties": False,
    },
    "Indicator": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "names": LANGUAGE_NAMES,
            "unit": {"type": "string"},
            "direction": {
                "enum": [1, -1],
                "description": "1: a higher value means more risk; -1: less.",
            },
            "domain": {"type": "string"},
            "weight": {"type": "number"},
            "frequency": {"enum": ["Y", "Q", "M"]},
            "source": {"type": "string"},
        },
        "required": [
            "code",
            "names",
            "unit",
            "direction",
            "domain",
            "weight",
            "frequency",
            "source",
        ],
        "additionalProperties": False,
    },
    "RiskClass": {
        "type": "object",
        "description": "A class of the 0-10 score; a score equal to a bound is in the class above.",
        "properties": {
            "code": {"enum": ["very_low", "low", "medium", "high", "very_high"]},
            "names": LANGUAGE_NAMES,
            "lower_bound": NULLABLE_NUMBER,
            "upper_bound": NULLABLE_NUMBER,
        },
        "required": ["code", "names", "lower_bound", "upper_bound"],
        "additionalProperties": False,
    },
    "IndicatorFreshness": {
        "type": "object",
        "properties": {
            "indicator": {"type": "string"},
            "values": {"type": "integer", "minimum": 0},
            "latest_period": NULLABLE_STRING,
            "last_updated_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["indicator", "values", "latest_period", "last_updated_at"],
        "additionalProperties": False,
    },
    "Run": {
        "type": "object",
        "description": "The published model run: the only one whose figures the API serves.",
        "properties": {
            "run_id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "latest_period": {"type": "string"},
            "periods": {"type": "array", "items": {"type": "string"}},
            "is_synthetic": {
                "type": "boolean",
                "description": "True when the run rests on synthetic demonstration data.",
            },
            "classes": {"type": "array", "items": _ref("RiskClass")},
            "data_freshness": {"type": "array", "items": _ref("IndicatorFreshness")},
        },
        "required": [
            "run_id",
            "created_at",
            "latest_period",
            "periods",
            "is_synthetic",
            "classes",
            "data_freshness",
        ],
        "additionalProperties": False,
    },
    "RunReference": {
        "type": "object",
        "properties": {
            "run_id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
        "required": ["run_id", "created_at"],
        "additionalProperties": False,
    },
    "Score": {
        "type": "object",
        "properties": {
            "region": {"type": "string"},
            "period": {"type": "string", "examples": ["2023", "2023Q4", "2023-12"]},
            "score": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 10,
                "description": "0 (lowest risk) to 10; null where the data did not allow one.",
            },
            "risk_class": {
                "enum": ["very_low", "low", "medium", "high", "very_high", None],
            },
            "reliability": {
                "type": ["number", "null"],
                "description": "0-10: how complete and recent the data behind the score are.",
            },
            "n_missing": {"type": "integer", "minimum": 0},
            "n_stale": {"type": "integer", "minimum": 0},
            "domain_scores": {
                "type": "object",
                "additionalProperties": NULLABLE_NUMBER,
                "description": "Domain code to domain score (0-10).",
            },
        },
        "required": [
            "region",
            "period",
            "score",
            "risk_class",
            "reliability",
            "n_missing",
            "n_stale",
            "domain_scores",
        ],
        "additionalProperties": False,
    },
    "Forecast": {
        "type": "object",
        "properties": {
            "region": {"type": "string"},
            "target": {"type": "string", "description": "score, or an indicator code."},
            "period": {"type": "string"},
            "horizon": {"type": ["integer", "null"], "description": "Steps ahead."},
            "mean": NULLABLE_NUMBER,
            "lower_80": NULLABLE_NUMBER,
            "upper_80": NULLABLE_NUMBER,
            "lower_95": NULLABLE_NUMBER,
            "upper_95": NULLABLE_NUMBER,
            "probability_high": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "description": "Chance of the high class or above (score forecasts only).",
            },
        },
        "required": [
            "region",
            "target",
            "period",
            "horizon",
            "mean",
            "lower_80",
            "upper_80",
            "lower_95",
            "upper_95",
            "probability_high",
        ],
        "additionalProperties": False,
    },
}

PROTECTED_COUNT = {
    "count": {
        "type": ["integer", "null"],
        "minimum": 0,
        "description": "Respondents; null when suppressed.",
    },
    "suppressed": {"type": "boolean", "description": "True when the count is hidden."},
    "partial": {
        "type": "boolean",
        "description": "True when the count leaves out blocks where this category was hidden.",
    },
}
PROTECTED_COUNT_REQUIRED = ["count", "suppressed", "partial"]

SCHEMAS.update(
    {
        "Survey": {
            "type": "object",
            "description": "A citizen survey that is or was open to respondents.",
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": "string"},
                "state": {"enum": ["open", "closed"]},
                "titles": LANGUAGE_NAMES,
                "languages": {"type": "array", "items": {"enum": ["kk", "ru", "en"]}},
                "opens_at": {"type": ["string", "null"], "format": "date-time"},
                "closes_at": {"type": ["string", "null"], "format": "date-time"},
                "results": {"type": "string", "description": "Address of its results."},
            },
            "required": [
                "id",
                "slug",
                "state",
                "titles",
                "languages",
                "opens_at",
                "closes_at",
                "results",
            ],
            "additionalProperties": False,
        },
        "ProtectedCount": {
            "type": "object",
            "description": "How many of the respondents asked the question answered it.",
            "properties": {
                **PROTECTED_COUNT,
                "share": {
                    "type": ["number", "null"],
                    "description": "Percent of the respondents asked the question (the "
                    "question's asked), one decimal; null when the count is suppressed or "
                    "nobody was asked.",
                },
            },
            "required": PROTECTED_COUNT_REQUIRED,
        },
        "GroupCount": {
            "type": "object",
            "description": "Responses of one region or month (released blocks only).",
            "properties": {
                "region": {"type": "string", "description": "Empty: no region given."},
                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                **PROTECTED_COUNT,
            },
            "required": PROTECTED_COUNT_REQUIRED,
            "additionalProperties": False,
        },
        "AnswerRow": {
            "type": "object",
            "properties": {
                "value": {
                    "type": ["string", "null"],
                    "description": "The answer code (a number as text, a date question's "
                    "month); null: asked and gave no answer (skipped it, or skip logic never "
                    "showed it).",
                },
                "label": NULLABLE_STRING,
                **PROTECTED_COUNT,
                "share": {
                    "type": ["number", "null"],
                    "description": "Percent, one decimal, of the respondents who were asked "
                    "the question (the question's asked, not its total nor only those who "
                    "answered), or, when the row has offered, of those offered this choice. "
                    "A multiple-choice question's rows are each of the same base and may add "
                    "up to more than 100. null when the count is suppressed or the base is 0.",
                },
                "offered": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Only on a choice that some survey versions offered and "
                    "others did not: the respondents whose version offered it (the base of "
                    "its share). Protected like asked: 0 or at least the threshold.",
                },
                "withheld": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Multiple choice: respondents hidden in this choice's "
                    "chose / did not choose partition.",
                },
            },
            "required": ["value", "label", *PROTECTED_COUNT_REQUIRED],
            "additionalProperties": False,
        },
        "NumericSummary": {
            "type": ["object", "null"],
            "description": "Of the released answers only.",
            "properties": {
                "n": {"type": "integer"},
                "mean": {"type": "number"},
                "sd": {"type": "number"},
                "q1": {"type": "number"},
                "median": {"type": "number"},
                "q3": {"type": "number"},
            },
            "required": ["n", "mean", "sd", "q1", "median", "q3"],
            "additionalProperties": False,
        },
        "QuestionFigures": {
            "type": "object",
            "description": "The distribution of one question. Free-text answers are never "
            "published: text questions report only how many answered.",
            "properties": {
                "name": {"type": "string"},
                "type": {"type": "string"},
                "kind": {"enum": ["choice", "scale", "date", "multiple", "numeric", "text"]},
                "label": {"type": "string"},
                "total": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Respondents of the filter (released blocks).",
                },
                "asked": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Respondents who were asked the question: those whose "
                    "survey version held it (editing a published survey makes a new version). "
                    "The base of the shares. Protected: versions with fewer respondents than "
                    "the threshold in a block are counted together, and wholly as asked when "
                    "any of them held the question, so asked and not_asked are 0 or at least "
                    "the threshold.",
                },
                "not_asked": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "total minus asked: respondents whose version did not "
                    "hold the question (never counted as no answer).",
                },
                "rows": {"type": "array", "items": _ref("AnswerRow")},
                "withheld": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Respondents whose category is hidden.",
                },
                "answered": _ref("ProtectedCount"),
                "summary": _ref("NumericSummary"),
            },
            "required": ["name", "type", "kind", "label", "total", "asked", "not_asked"],
            "additionalProperties": False,
        },
        "SurveyResults": {
            "type": "object",
            "description": "Every figure of a survey for one filter, after small-cell "
            "suppression: blocks (one region, one month) with fewer responses than the "
            "threshold are left out, and small categories are hidden.",
            "properties": {
                "survey": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                    },
                    "required": ["id", "slug", "title"],
                    "additionalProperties": False,
                },
                "filters": {
                    "type": "object",
                    "properties": {
                        "region": NULLABLE_STRING,
                        "month_from": NULLABLE_STRING,
                        "month_to": NULLABLE_STRING,
                    },
                    "required": ["region", "month_from", "month_to"],
                    "additionalProperties": False,
                },
                "threshold": {"type": "integer", "minimum": 2},
                "responses": {"type": "integer", "minimum": 0},
                "unreleased_blocks": {
                    "type": "boolean",
                    "description": "True when some responses in the filter are not counted "
                    "because their block is too small.",
                },
                "months": {"type": "array", "items": {"type": "string"}},
                "by_region": {"type": "array", "items": _ref("GroupCount")},
                "by_month": {"type": "array", "items": _ref("GroupCount")},
                "by_language": {
                    "type": "object",
                    "properties": {
                        "rows": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "language": {"type": "string"},
                                    **PROTECTED_COUNT,
                                    "share": {
                                        "type": ["number", "null"],
                                        "description": "Percent of responses (the "
                                        "released responses of the filter), one decimal.",
                                    },
                                },
                                "required": ["language", *PROTECTED_COUNT_REQUIRED],
                                "additionalProperties": False,
                            },
                        },
                        "withheld": {"type": "integer", "minimum": 0},
                    },
                    "required": ["rows", "withheld"],
                    "additionalProperties": False,
                },
                "questions": {"type": "array", "items": _ref("QuestionFigures")},
            },
            "required": [
                "survey",
                "filters",
                "threshold",
                "responses",
                "unreleased_blocks",
                "months",
                "by_region",
                "by_month",
                "by_language",
                "questions",
            ],
            "additionalProperties": False,
        },
    }
)

PARAMETERS = {
    "page": {
        "name": "page",
        "in": "query",
        "required": False,
        "description": f"Page number, from 1 to {MAX_PAGE}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    "per_page": {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": f"Items per page, at most {MAX_PER_PAGE}.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    },
}

RESPONSES = {
    "BadRequest": _json(
        _ref("Error"),
        "A malformed or unknown query parameter (the detail names it).",
    ),
    "NotFound": _json(_ref("Error"), "Nothing has this code."),
    "NoPublishedRun": _json(_ref("Error"), "No model run has been published yet."),
    "Unprocessable": _json(
        _ref("Error"),
        "A well-formed filter value that names nothing known (a region, period, domain...).",
    ),
    "NotModified": {
        "description": "The client's copy (its If-None-Match ETag) is still current; no body.",
        "headers": SUCCESS_HEADERS,
    },
    "TooManyRequests": {
        **_json(
            _ref("Error"),
            "Too many requests from this address to this address of the API (API_RATE_LIMIT, "
            "by default 300 a minute); Retry-After says how many seconds to wait.",
        ),
        "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
    },
}

HEADERS = {
    "ETag": {
        "description": "Tag of this representation; send it back as If-None-Match to get 304 "
        "while it has not changed.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "public, max-age=60 (API_CACHE_SECONDS): any cache may reuse the "
        "response for that long; private when the request carried cookies. Errors are "
        "no-store.",
        "schema": {"type": "string"},
    },
    "Access-Control-Allow-Origin": {
        "description": "Always *: any web page may read the API (no credentials are used).",
        "schema": {"const": "*"},
    },
    "Retry-After": {
        "description": "Seconds to wait before the next request. Sent on a 429 (and on a "
        "503 while the service restarts), never on a success.",
        "schema": {"type": "integer", "minimum": 0},
    },
}

REGION_FILTER = _query("region", "Only this region (its code).", {"type": "string"})

PATHS: dict[str, Any] = {
    "/api/v1/": _operation(
        "index",
        "Entry point",
        "Links to the collections of this version. Also served, the same, at /api/v1 "
        "without the trailing slash (no redirect). Any other address under /api that is "
        "not listed here is a JSON 404 error.",
        "meta",
        _json(_ref("Index"), "Links."),
    ),
    "/api/v1/openapi.json": _operation(
        "openapi",
        "This document",
        "The OpenAPI 3.1 description of the API.",
        "meta",
        _json({"type": "object"}, "The OpenAPI document."),
    ),
    "/api/v1/regions": _operation(
        "listRegions",
        "Regions",
        "The territorial units, current and historic, in the country's published order.",
        "geography",
        _json(_page_of("Region"), "A page of regions."),
        [
            _query(
                "current",
                "true: only units that exist today; false: only historic ones.",
                {"type": "boolean"},
            ),
            *PAGINATION,
        ],
    ),
    "/api/v1/regions/{code}": _operation(
        "getRegion",
        "One region",
        "A territorial unit by its code.",
        "geography",
        _json(_ref("Region"), "The region."),
        [_path("code", "ISO 3166-2 code, e.g. KZ-75.")],
        WITH_404,
    ),
    "/api/v1/domains": _operation(
        "listDomains",
        "Risk domains",
        "The domains of the risk index with their weights.",
        "catalogue",
        _json(_page_of("Domain"), "A page of domains."),
        PAGINATION,
    ),
    "/api/v1/indicators": _operation(
        "listIndicators",
        "Indicator catalogue",
        "Every indicator of the risk index: unit, direction, domain, weight, frequency, source.",
        "catalogue",
        _json(_page_of("Indicator"), "A page of indicators."),
        [_query("domain", "Only this domain's indicators.", {"type": "string"}), *PAGINATION],
        WITH_422,
    ),
    "/api/v1/indicators/{code}": _operation(
        "getIndicator",
        "One indicator",
        "An indicator of the catalogue by its code.",
        "catalogue",
        _json(_ref("Indicator"), "The indicator."),
        [_path("code", "Indicator code, e.g. unemployment_rate.")],
        WITH_404,
    ),
    "/api/v1/run": _operation(
        "getPublishedRun",
        "The published model run",
        "When the published run was computed, the periods it scored, the class bounds and how "
        "recent each indicator's data are.",
        "risk",
        _json(_ref("Run"), "The published run."),
        [],
        {**ERRORS, "404": {"$ref": "#/components/responses/NoPublishedRun"}},
    ),
    "/api/v1/scores": _operation(
        "listScores",
        "Published risk scores",
        "Scores of the published run only, by period then region. Unpublished runs are never "
        "served.",
        "risk",
        _json(_page_of("Score", with_run=True), "A page of scores."),
        [
            _query("period", "Only this period (as in the run's periods).", {"type": "string"}),
            REGION_FILTER,
            *PAGINATION,
        ],
        RUN_ERRORS,
    ),
    "/api/v1/forecasts": _operation(
        "listForecasts",
        "Published forecasts",
        "Forecasts of the score and of indicators from the published run, with 80% and 95% "
        "prediction intervals and, for the score, the chance of the high class or above.",
        "risk",
        _json(_page_of("Forecast", with_run=True), "A page of forecasts."),
        [
            REGION_FILTER,
            _query("target", "score, or an indicator code.", {"type": "string"}),
            _query("period", "Only this forecast period.", {"type": "string"}),
            *PAGINATION,
        ],
        RUN_ERRORS,
    ),
    "/api/v1/surveys": _operation(
        "listSurveys",
        "Published surveys",
        "Citizen surveys that are open or closed; drafts and council feedback are not listed.",
        "surveys",
        _json(_page_of("Survey"), "A page of surveys."),
        PAGINATION,
    ),
    "/api/v1/surveys/{survey_id}/results": _operation(
        "getSurveyResults",
        "Survey results",
        "Counts by region, month and language and every question's distribution, with "
        "small-cell suppression. Filters cut whole regions and whole months only.",
        "surveys",
        _json(_ref("SurveyResults"), "The protected figures."),
        [
            {**_path("survey_id", "The survey's id."), "schema": {"type": "integer"}},
            REGION_FILTER,
            _query(
                "month_from",
                "First month, YYYY-MM.",
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            ),
            _query(
                "month_to",
                "Last month, YYYY-MM.",
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            ),
            _query(
                "lang",
                "Language of labels (default: the survey's own).",
                {"enum": ["kk", "ru", "en"]},
            ),
        ],
        {**WITH_404, "422": {"$ref": "#/components/responses/Unprocessable"}},
    ),
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Listening State open data",
        "version": "1.0.0",
        "summary": "Regions, the risk indicator catalogue, published risk scores and forecasts, "
        "and survey results with small-cell suppression.",
        "description": "Read-only and public. Only the published model run is served; survey "
        "figures are protected so that no published number describes fewer respondents than "
        "the suppression threshold. Errors are JSON objects with status, title and detail. Any "
        "site may read it from a browser (CORS: *); successes may be cached for a minute and "
        "revalidated with their ETag.",
        "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
    },
    "servers": [{"url": "/"}],
    "tags": [
        {"name": "meta"},
        {"name": "geography"},
        {"name": "catalogue"},
        {"name": "risk"},
        {"name": "surveys"},
    ],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "responses": RESPONSES,
        "headers": HEADERS,
    },
}


def openapi_document() -> dict[str, Any]:
    """A copy of the document, so a caller cannot change the served one."""
    return deepcopy(DOCUMENT)
