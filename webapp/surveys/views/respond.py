"""Respondent pages: one page per group, Back/Next, no JavaScript needed.

URLs: ``/s/<slug>`` starts (a new submission id), ``/s/<slug>/i/<token>`` starts or resumes
an invitation, ``/s/<slug>/r/<submission id>`` shows the current page (or the thank-you
page once stored) and takes each page's post.

The post that stores the response answers with the thank-you page itself (no redirect and
second request): its address is the submission's own, so reloading it, by GET or by posting
again, shows the same thank-you and stores nothing new.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.auth.access import public
from webapp.auth.models import Role
from webapp.database import utcnow
from webapp.errors import handle_http_error
from webapp.extensions import db, limiter
from webapp.surveys.answers import AnswerError, answer_error_text
from webapp.surveys.councils import member_councils
from webapp.surveys.definition import SurveyDefinition
from webapp.surveys.models import Audience, Council, Survey, SurveyDraft
from webapp.surveys.services import SurveyError
from webapp.surveys.services.authoring import response_languages
from webapp.surveys.services.responding import (
    PostedPage,
    Refusal,
    Respondent,
    RespondentRefused,
    StartingSurvey,
    Step,
    check_available,
    check_invitation,
    choose_language,
    current_regions,
    draft_for_invitation,
    find_draft_and_response,
    find_respondent_survey,
    find_starting_survey,
    find_survey_and_submission,
    is_submission_id,
    new_submission_id,
    open_public_surveys,
    page_view,
    process_post,
    used_invitation_language,
)
from webapp.surveys.views import blueprint
from webapp.surveys.views.shared_pages import share, shareable
from webapp.times import platform_today

#: Name of the honeypot field: people leave it empty (it is labelled so), bots fill it.
HONEYPOT_FIELD = "contact_website"
#: Attempts at a page post; a repeat only happens after a concurrent duplicate or lock.
POST_ATTEMPTS = 3

REFUSAL_STATUS = {
    Refusal.NOT_PUBLISHED: 404,
    Refusal.NOT_YET_OPEN: 200,
    Refusal.CLOSED: 410,
    Refusal.INVITATION_REQUIRED: 403,
    Refusal.INVITATION_USED: 410,
    Refusal.INVITATION_IN_PROGRESS: 409,
    Refusal.COUNCIL_ONLY: 403,
    Refusal.NOT_A_MEMBER: 403,
    Refusal.FORGED_COUNCIL: 403,
    Refusal.CONFLICT: 409,
}


class SignInNeeded(Exception):
    """A council survey opened by someone who has not signed in yet."""


def interface_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def survey_or_404(slug: str) -> Survey:
    survey = find_respondent_survey(slug)
    if survey is None:
        abort(404)
    return survey


def respondent_for(
    survey: Survey | StartingSurvey, posted_council: str | None = None
) -> tuple[Respondent, list]:
    """Who answers. For council surveys the council comes from the account's membership; a
    council id in the form is only accepted when it is one of the member's own councils."""
    if survey.audience != Audience.COUNCIL:
        return Respondent(), []
    if not current_user.is_authenticated:
        raise SignInNeeded
    if current_user.role != Role.COUNCIL_MEMBER:
        raise RespondentRefused(Refusal.COUNCIL_ONLY)
    councils = member_councils(current_user.id, survey.state_body_id)
    chosen: Council | None = councils[0] if councils else None
    if posted_council is not None:
        chosen = next((c for c in councils if str(c.id) == posted_council.strip()), None)
        if chosen is None:
            raise RespondentRefused(Refusal.FORGED_COUNCIL)
    if chosen is None:
        raise RespondentRefused(Refusal.NOT_A_MEMBER)
    return Respondent(council_id=chosen.id, user_id=current_user.id), councils


def requested_language() -> str | None:
    """A ``?lang=`` the platform speaks. A link that names its language (``/s/x?lang=kk``,
    shared with Kazakh speakers) keeps it on the polite refusal pages too, not only on the
    questions; without one they follow the browser."""
    wanted = request.args.get("lang")
    return wanted if wanted in current_app.config["LANGUAGES"] else None


def refusal_page(
    survey: Survey | StartingSurvey, reason: Refusal, language: str | None = None
) -> tuple[str, int]:
    language = language or interface_language()
    definition = survey.current_version.load() if survey.current_version else None
    if reason == Refusal.NOT_PUBLISHED:
        definition = None  # a draft's title is not shown before it opens: only its address
    with force_locale(language):
        body = render_template(
            "surveys/respond/refused.html",
            survey=survey,
            title=definition.label(language) if definition else survey.slug,
            reason=reason.value,
        )
    return body, REFUSAL_STATUS[reason]


def render_page(
    survey: Survey | StartingSurvey,
    definition: SurveyDefinition,
    page_index: int | None,
    raw: dict[str, Any],
    language: str,
    submission_id: str,
    *,
    invitation_token: str | None = None,
    councils: list | None = None,
    council_id: int | None = None,
    errors: dict[str, AnswerError] | None = None,
    status: int = 200,
    version_id: int | None = None,
) -> tuple[str, int]:
    """One question page; ``version_id`` (the version ``definition`` is) goes into the form
    so that the first post starts on the version the respondent saw."""
    view = page_view(definition, page_index, raw, language, errors)
    with force_locale(language):
        # Inside force_locale: the summary speaks the survey's language, like the fields.
        error_list = [
            (question, answer_error_text(question.error))
            for question in view.questions
            if question.error is not None
        ]
        body = render_template(
            "surveys/respond/page.html",
            survey=survey,
            view=view,
            title=definition.label(language),
            submission_id=submission_id,
            invitation_token=invitation_token,
            councils=councils or [],
            council_id=council_id,
            error_list=error_list,
            error_text=answer_error_text,
            honeypot_field=HONEYPOT_FIELD,
            language=language,
            version_id=version_id,
        )
    return body, status


def render_draft(
    survey: Survey, draft: SurveyDraft, language: str | None = None, **extra: Any
) -> tuple[str, int]:
    """The draft's current page; ``language`` (a ``?lang=`` pick on the first page) is
    saved with the next post."""
    definition = draft.version.load()
    index = min(max(draft.page_index, 0), len(definition.pages) - 1)
    return render_page(
        survey,
        definition,
        index,
        draft.answers or {},
        choose_language(definition, language, draft.language) if language else draft.language,
        draft.submission_id,
        version_id=draft.survey_version_id,
        **extra,
    )


def render_thanks(
    survey: Survey, definition: SurveyDefinition | None, language: str, submission_id: str
) -> str:
    """The thank-you page; ``definition`` is the answered version's (None: the survey has none).

    It shows nothing of the response, so it is shared between respondents (see
    ``shared_pages``) when the request allows: only the submission id (in the address of
    the language buttons) differs from one respondent to the next.
    """
    title = definition.label(language) if definition else survey.slug
    languages = response_languages(definition) if definition else []

    def render() -> str:
        with force_locale(language):
            return render_template(
                "surveys/respond/thanks.html",
                survey=survey,
                title=title,
                language=language,
                switch_languages=languages,
                switch_action=url_for(
                    "surveys.resume", slug=survey.slug, submission_id=submission_id
                ),
            )

    if not shareable() or request.query_string:
        return render()
    # No form posts from this page (its language buttons are a GET): no CSRF token in it.
    values = {"submission": submission_id}
    return share(("thanks", title, language, tuple(languages)), values, render)


def render_saved(survey: Survey, draft: SurveyDraft, language: str) -> str:
    """The "answers saved" page, in ``language``; its language buttons show it again in
    another one, and "Continue now" goes on in the language last picked."""
    definition = draft.version.load()
    address = url_for(
        "surveys.resume", slug=survey.slug, submission_id=draft.submission_id, _external=True
    )
    with force_locale(language):
        return render_template(
            "surveys/respond/saved.html",
            survey=survey,
            title=definition.label(language),
            continue_url=address,
            continue_now_url=address
            if language == draft.language
            else f"{address}?lang={language}",
            language=language,
            switch_languages=response_languages(definition),
            switch_action=url_for(
                "surveys.resume", slug=survey.slug, submission_id=draft.submission_id
            ),
            switch_saved=True,
        )


def start_page(
    survey: Survey | StartingSurvey, councils: list, invitation_token: str | None = None
) -> tuple[str, int]:
    definition = survey.current_version.load()
    wanted = request.args.get("lang")
    # The interface language (session, cookie, the browser's Accept-Language) is only the
    # fallback: a link that names one of the survey's languages needs no locale selection.
    fallback = wanted if wanted in response_languages(definition) else interface_language()
    language = choose_language(definition, wanted, fallback)
    submission_id = new_submission_id()

    def render() -> tuple[str, int]:
        return render_page(
            survey,
            definition,
            None,
            {},
            language,
            submission_id,
            invitation_token=invitation_token,
            councils=councils,
            version_id=survey.current_version.id,
        )

    if not _plain_start(survey, councils, invitation_token):
        return render()
    version = survey.current_version
    key = (
        "start",
        survey.id,
        survey.slug,
        survey.audience,
        survey.note,
        version.id,
        version.created_at,
        language,
        # Relevance and choice filters may read today(); the registry names region choices.
        platform_today(utcnow()),
        tuple(current_regions()) if definition.region_questions() else (),
    )
    values = {"csrf": generate_csrf(), "submission": submission_id}
    return share(key, values, lambda: render()[0]), 200


def _plain_start(
    survey: Survey | StartingSurvey, councils: list, invitation_token: str | None
) -> bool:
    """A first page that holds nothing of the respondent: public, anonymous, no invitation,
    and asked for at its plain address (``?lang=`` at most)."""
    if survey.audience != Audience.PUBLIC or councils or invitation_token is not None:
        return False
    if not shareable():
        return False
    arguments = request.args.to_dict(flat=False)
    return not arguments or (
        list(arguments) == ["lang"]
        and len(arguments["lang"]) == 1
        and arguments["lang"][0] in current_app.config["LANGUAGES"]
    )


@blueprint.get("/s/")
@public
def open_surveys() -> str:
    """The surveys anyone may answer now: where a respondent lands from the home page."""
    locale = get_locale()
    language = locale.language if locale else "en"
    surveys = [
        (survey, definition.label(language)) for survey, definition in open_public_surveys(utcnow())
    ]
    return render_template("surveys/respond/open_surveys.html", surveys=surveys)


@blueprint.get("/s/<slug>")
@public
def start(slug: str) -> Any:
    # Plain values, not a Survey object: the first page changes nothing (see StartingSurvey).
    survey = find_starting_survey(slug)
    if survey is None:
        abort(404)
    try:
        check_available(survey, utcnow())
        if survey.audience == Audience.INVITATION:
            raise RespondentRefused(Refusal.INVITATION_REQUIRED)
        _, councils = respondent_for(survey)
    except RespondentRefused as refusal:
        return refusal_page(survey, refusal.reason, requested_language())
    except SignInNeeded:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    return start_page(survey, councils)


@blueprint.get("/s/<slug>/i/<token>")
@public
def invitation(slug: str, token: str) -> Any:
    survey = survey_or_404(slug)
    try:
        check_available(survey, utcnow())
        invitation = check_invitation(survey, token)
    except RespondentRefused as refusal:
        language = requested_language()
        if language is None and refusal.reason == Refusal.INVITATION_USED:
            # "Already used" in the language the invitation was answered in.
            language = used_invitation_language(survey, token)
        return refusal_page(survey, refusal.reason, language)
    draft = draft_for_invitation(invitation)
    if draft is not None:
        return render_draft(survey, draft, request.args.get("lang"), invitation_token=token)
    return start_page(survey, [], invitation_token=token)


@blueprint.get("/s/<slug>/r/<submission_id>")
@public
def resume(slug: str, submission_id: str) -> Any:
    survey = survey_or_404(slug)
    if not is_submission_id(submission_id):
        abort(404)
    # Draft and response by one statement (one snapshot, one round trip).
    draft, response = find_draft_and_response(submission_id)
    wanted = request.args.get("lang")
    if response is not None and response.survey_id == survey.id:
        definition = response.version.load()
        language = choose_language(definition, wanted, response.language)
        return render_thanks(survey, definition, language, submission_id)
    if draft is None or draft.version.survey_id != survey.id:
        return redirect(url_for("surveys.start", slug=slug))
    try:
        check_available(survey, utcnow())
        respondent, councils = respondent_for(survey)
    except RespondentRefused as refusal:
        return refusal_page(survey, refusal.reason, requested_language() or draft.language)
    except SignInNeeded:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    if request.args.get("saved"):
        return render_saved(
            survey, draft, choose_language(draft.version.load(), wanted, draft.language)
        )
    return render_draft(
        survey,
        draft,
        wanted,
        councils=councils,
        council_id=respondent.council_id,
    )


def _posted_version(form: Any) -> int | None:
    """The ``version`` field as a number; None when absent or not one (then the current)."""
    text = form.get("version", "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def submit_rate_limit() -> str:
    return current_app.config["SURVEY_SUBMIT_RATE_LIMIT"]


@blueprint.errorhandler(429)
def too_many_posts(error: HTTPException) -> Response:
    """A page post over the rate limit: said in the survey's language (the form's), not the
    browser's, and with what became of the answers. Other pages keep the common error page."""
    return refused_post(error, "limited")


@blueprint.errorhandler(CSRFError)
def expired_post(error: CSRFError) -> Response:
    """A page post whose form token no longer matches the session (the page stayed open
    while the session ended, e.g. the browser was closed): as ``too_many_posts``."""
    return refused_post(error, "expired")


def refused_post(error: HTTPException, reason: str) -> Response:
    """The page for a page post refused before it was read (``reason``: limited or
    expired), in the survey's language, with a link back to the submission's page."""
    if request.endpoint != "surveys.answer" or not request.view_args:
        return handle_http_error(error)
    posted = request.form.get("language")
    language = posted if posted in current_app.config["LANGUAGES"] else interface_language()
    arguments = request.view_args
    with force_locale(language):
        body = render_template(
            "surveys/respond/limited.html",
            reason=reason,
            back_url=url_for(
                "surveys.resume",
                slug=arguments["slug"],
                submission_id=arguments["submission_id"],
            ),
        )
    response = make_response(body, error.code or 400)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


@blueprint.post("/s/<slug>/r/<submission_id>")
@limiter.limit(submit_rate_limit)
@public
def answer(slug: str, submission_id: str) -> Any:
    if not is_submission_id(submission_id):
        abort(404)
    # The survey, the draft and the stored response in one statement (one round trip).
    submission = find_survey_and_submission(slug, submission_id)
    if submission is None:
        abort(404)
    survey = submission.survey
    form = request.form
    language = form.get("language") or interface_language()
    if form.get(HONEYPOT_FIELD, "").strip():
        # A bot filled the field people are asked to leave empty: keep nothing, say thanks.
        current_app.logger.info("survey %s: honeypot post discarded", survey.id)
        definition = survey.current_version.load() if survey.current_version else None
        return render_thanks(
            survey,
            definition,
            language if language in ("kk", "ru", "en") else "en",
            submission_id,
        )
    try:
        page_index = int(form.get("page", ""))
    except ValueError:
        abort(400, description=_("The form is incomplete. Please reload the page."))
    action = form.get("action", "next")
    if action not in ("next", "back", "save"):
        action = "next"
    posted = PostedPage(
        page_index=page_index,
        action=action,
        form=form,
        language=form.get("language"),
        invitation_token=form.get("invitation"),
        version_id=_posted_version(form),
    )
    try:
        respondent, councils = respondent_for(survey, form.get("council_id"))
    except RespondentRefused as refusal:
        return refusal_page(survey, refusal.reason, language)
    except SignInNeeded:
        # Signed out mid-way (the session ended): back to this submission after signing in,
        # where the pages already sent are kept in its draft.
        return redirect(
            url_for(
                "auth.sign_in",
                next=url_for("surveys.resume", slug=slug, submission_id=submission_id),
            )
        )
    outcome = None
    for attempt in range(1, POST_ATTEMPTS + 1):
        try:
            # What was read with the survey holds for the first attempt only: after a
            # rollback (a concurrent duplicate, a lock) the draft and response are read again.
            read = (submission.draft, submission.response) if attempt == 1 else None
            outcome = process_post(survey, submission_id, posted, respondent, read=read)
            db.session.commit()
            break
        except (IntegrityError, StaleDataError):
            # A concurrent post of the same submission won: the next attempt finds it.
            db.session.rollback()
            if attempt == POST_ATTEMPTS:
                raise
        except OperationalError as error:
            db.session.rollback()
            if attempt == POST_ATTEMPTS or "locked" not in str(error).lower():
                raise
        except RespondentRefused as refusal:
            db.session.rollback()
            return refusal_page(survey, refusal.reason, language)
        except SurveyError as error:
            db.session.rollback()
            abort(400, description=str(error))
    assert outcome is not None
    if outcome.step == Step.THANKS:
        # Shown by this response, not after a redirect: the definition and language were
        # read before the commit, so no row is read again.
        assert outcome.language is not None
        return render_thanks(survey, outcome.definition, outcome.language, submission_id)
    if outcome.step == Step.GO_TO_PAGE:
        return redirect(url_for("surveys.resume", slug=slug, submission_id=submission_id), 303)
    draft = outcome.draft
    assert draft is not None
    if outcome.step == Step.SAVED:
        return render_saved(survey, draft, draft.language)
    return render_draft(
        survey,
        draft,
        invitation_token=posted.invitation_token,
        councils=councils,
        council_id=respondent.council_id,
        errors=outcome.errors,
        status=422,
    )
