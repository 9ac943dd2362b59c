"""Web pages of the surveys domain, in one blueprint.

``respond``: the respondent's pages (anonymous or council members). ``manage``: analysts'
pages for authoring and lifecycle. ``council_pages``: councils, members and summaries.
"""

from flask import Blueprint

blueprint = Blueprint(
    "surveys",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/survey-assets",
)

from webapp.surveys.views import council_pages, designer, manage, respond  # noqa: E402, F401
