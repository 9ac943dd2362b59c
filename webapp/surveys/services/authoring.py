"""Creating surveys from XLSForm or JSON, versions, lifecycle and invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from pathlib import PurePath
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from webapp.audit.services import record
from webapp.database import utcnow
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.surveys.definition import DefinitionError, SurveyDefinition, definition_from_json
from webapp.surveys.models import (
    RESPONSE_LANGUAGES,
    Audience,
    Invitation,
    StateBody,
    Survey,
    SurveyKind,
    SurveyResponse,
    SurveyStateError,
    SurveyVersion,
)
from webapp.surveys.services import ImportProblem, ImportRefused, SurveyError, _
from webapp.surveys.xlsform import XLSFormError, read_xlsform

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
#: Most invitations generated at once; larger mailings are made in several batches.
MAX_INVITATIONS_PER_BATCH = 5000


def read_definition(
    source: bytes | IO[bytes] | str | PurePath, filename: str | None = None
) -> SurveyDefinition:
    """Read an uploaded XLSForm (.xlsx/.xls) or JSON definition; raises ImportRefused."""
    return read_import(source, filename)[0]


def read_import(
    source: bytes | IO[bytes] | str | PurePath, filename: str | None = None
) -> tuple[SurveyDefinition, list[str]]:
    """Like :func:`read_definition`, plus the importer's notes on what it left out.

    Notes (metadata rows, calculations written into conditions, ignored columns...) are
    for the analyst; a JSON definition has none.
    """
    name = filename or (str(source) if isinstance(source, str | PurePath) else "")
    if name.lower().endswith(".json"):
        if isinstance(source, str | PurePath):
            try:
                with open(source, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                problem = ImportProblem(None, None, None, f"cannot open the file: {error.strerror}")
                raise ImportRefused([problem]) from error
        else:
            data = source if isinstance(source, bytes) else source.read()
        try:
            return definition_from_json(data), []
        except DefinitionError as error:
            raise ImportRefused(
                [ImportProblem(None, None, None, problem) for problem in error.problems]
            ) from error
    try:
        result = read_xlsform(source, filename)
    except XLSFormError as error:
        raise ImportRefused(
            [
                ImportProblem(problem.sheet, problem.row, problem.column, problem.message)
                for problem in error.problems
            ]
        ) from error
    return result.definition, [*result.notes, *_language_notes(result.definition)]


def _language_notes(definition: SurveyDefinition) -> list[str]:
    """Say which of the form's languages respondents will not be offered (label::Arabic is
    read and kept, but the platform's pages are in kk, ru and en only)."""
    offered = response_languages(definition)
    kept = [code for code in definition.languages if code not in RESPONSE_LANGUAGES]
    if not kept or not offered:
        return []
    return [
        _(
            "the form's texts in %(kept)s are kept, but respondents answer in %(offered)s "
            "only (the languages of this platform)",
            kept=", ".join(kept),
            offered=", ".join(offered),
        )
    ]


def response_languages(definition: SurveyDefinition) -> list[str]:
    """The survey's languages that respondents can answer in (kk, ru, en)."""
    return [code for code in definition.languages if code in RESPONSE_LANGUAGES]


def check_platform_fit(definition: SurveyDefinition) -> None:
    """What the platform needs beyond a valid definition: a known language and region."""
    problems = []
    if not response_languages(definition):
        problems.append(
            ImportProblem(
                "settings",
                None,
                "default_language",
                "the form has no Kazakh (kk), Russian (ru) or English (en) text",
            )
        )
    region = definition.bound_region
    if region is not None and db.session.get(Region, region) is None:
        problems.append(
            ImportProblem(
                "settings",
                None,
                "region",
                f"the region {region} is not in the region registry (flask regions load)",
            )
        )
    if problems:
        raise ImportRefused(problems)


def slug_for(definition: SurveyDefinition) -> str:
    """A free public address derived from the form id (``citizen-survey``, ``-2``...)."""
    base = re.sub(r"[^a-z0-9]+", "-", definition.form_id.lower()).strip("-")[:70] or "survey"
    slug, counter = base, 1
    while find_survey(slug) is not None:
        counter += 1
        slug = f"{base}-{counter}"
    return slug


def find_survey(slug: str) -> Survey | None:
    return db.session.scalar(sa.select(Survey).where(Survey.slug == slug))


def _notes_column(import_notes: list[str] | None) -> dict[str, list[str]]:
    """``import_notes`` for a new version, or nothing when the file had none: the column is
    then left out of the insert (NULL), as for versions made in the designer."""
    notes = [str(text) for text in import_notes or ()]
    return {"import_notes": notes} if notes else {}


def create_survey(
    definition: SurveyDefinition,
    *,
    slug: str | None = None,
    audience: str = Audience.PUBLIC,
    kind: str | None = None,
    source_filename: str = "",
    created_by: Any = None,
    state_body_id: int | None = None,
    note: str = "",
    import_notes: list[str] | None = None,
) -> Survey:
    """Store a new survey in draft with the definition as version 1 (``import_notes``: what
    :func:`read_import` said of the file, kept with the version)."""
    check_platform_fit(definition)
    if audience not in tuple(Audience):
        raise SurveyError(
            _(
                "Unknown audience '%(audience)s'. Choose public, invitation or council.",
                audience=audience,
            ),
            field="audience",
        )
    kind = kind or (
        SurveyKind.COUNCIL_FEEDBACK if audience == Audience.COUNCIL else SurveyKind.CITIZEN
    )
    if kind not in tuple(SurveyKind):
        raise SurveyError(f"Unknown kind '{kind}'. Choose citizen or council_feedback.")
    if slug:
        slug = slug.strip().lower()
        if not SLUG_PATTERN.match(slug):
            raise SurveyError(
                _(
                    "The address '%(slug)s' may use only lower-case letters, digits and '-' "
                    "(at most 80 characters, not starting or ending with '-').",
                    slug=slug,
                ),
                field="slug",
            )
        if find_survey(slug) is not None:
            raise SurveyError(
                _("The address '%(slug)s' is already used by another survey.", slug=slug),
                field="slug",
            )
    else:
        slug = slug_for(definition)
    if state_body_id is not None and db.session.get(StateBody, state_body_id) is None:
        raise SurveyError(
            _("There is no state body with id %(id)s any more.", id=state_body_id),
            field="state_body",
        )
    survey = Survey(
        slug=slug,
        kind=kind,
        audience=audience,
        bound_region_code=definition.bound_region,
        state_body_id=state_body_id,
        note=note,
        created_by_id=getattr(created_by, "id", None),
    )
    db.session.add(survey)
    db.session.flush()
    version = SurveyVersion(
        survey_id=survey.id,
        number=1,
        definition=definition.to_dict(),
        source_filename=source_filename[:255],
        created_by_id=getattr(created_by, "id", None),
        **_notes_column(import_notes),
    )
    db.session.add(version)
    db.session.flush()
    survey.current_version = version
    db.session.flush()
    record(
        "survey.create",
        "survey",
        survey.id,
        {"slug": slug, "audience": audience, "file": source_filename},
        actor=created_by,
    )
    return survey


def versions_newest_first(survey: Survey) -> list[SurveyVersion]:
    """The survey's versions for its page, with their import notes in the same query (the
    column is deferred: one query per version otherwise)."""
    return list(
        db.session.scalars(
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey.id)
            .options(undefer(SurveyVersion.import_notes))
            .order_by(SurveyVersion.number.desc())
        )
    )


def next_version_number(survey: Survey) -> int:
    """One more than the highest number of the survey's versions (a discarded working copy's
    number is free again). Two saves reading the same number at once cannot both store it:
    (survey_id, number) is unique, and :func:`store_new_version` turns the loser's refusal
    into a message."""
    highest = db.session.scalar(
        sa.select(sa.func.max(SurveyVersion.number)).where(SurveyVersion.survey_id == survey.id)
    )
    return (highest or 0) + 1


def store_new_version(version: SurveyVersion) -> None:
    """Insert a version; a concurrent save that took its number (or the survey's one working
    copy) meanwhile is refused with a message. The caller rolls back, as after any
    SurveyError."""
    db.session.add(version)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise SurveyError(
            _(
                "Another version of this survey was saved at the same moment; nothing was "
                "changed. Reload the page and try again."
            )
        ) from error


def working_copy(survey: Survey) -> SurveyVersion | None:
    """The survey's one unpublished version, if any: the designer's working copy (for a
    draft survey, its current version). A partial unique index keeps it to one."""
    return db.session.scalar(
        sa.select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.published_at.is_(None)
        )
    )


def add_version(
    survey: Survey,
    definition: SurveyDefinition,
    *,
    source_filename: str = "",
    created_by: Any = None,
    import_notes: list[str] | None = None,
) -> SurveyVersion:
    """Replace the questions from an uploaded file. A published version stays as it is: the
    upload becomes a new version (published at once if the survey is open), and responses
    keep the version they answered. An unpublished current version is replaced.

    Refused while the designer holds a working copy of the next version: the upload would
    either overwrite someone's unpublished changes or leave them based on an older version.
    """
    check_platform_fit(definition)
    current = survey.current_version
    copy = working_copy(survey)
    if copy is not None and copy is not current:
        raise ImportRefused(
            [
                ImportProblem(
                    None,
                    None,
                    None,
                    _(
                        "This survey has unpublished changes in the designer (version "
                        "%(number)s): publish or discard them before uploading a new file.",
                        number=copy.number,
                    ),
                )
            ]
        )
    if current is not None and current.published_at is None:
        current.definition = definition.to_dict()
        current.source_filename = source_filename[:255]
        current.import_notes = _notes_column(import_notes).get("import_notes")
        current.created_at = utcnow()
        version = current
    else:
        version = SurveyVersion(
            survey_id=survey.id,
            number=next_version_number(survey),
            definition=definition.to_dict(),
            source_filename=source_filename[:255],
            created_by_id=getattr(created_by, "id", None),
            published_at=utcnow() if survey.state == "open" else None,
            **_notes_column(import_notes),
        )
        try:
            store_new_version(version)
        except SurveyError as error:
            raise ImportRefused([ImportProblem(None, None, None, str(error))]) from error
        survey.current_version = version
    survey.bound_region_code = definition.bound_region
    db.session.flush()
    record(
        "survey.new_version",
        "survey",
        survey.id,
        {"version": version.number, "file": source_filename},
        actor=created_by,
    )
    return version


def open_survey(survey: Survey, actor: Any = None) -> None:
    """Open for responses; the current version is published (frozen) from now on."""
    survey.open()
    version = survey.current_version
    if version is not None and version.published_at is None:
        version.published_at = utcnow()
    db.session.flush()
    record("survey.open", "survey", survey.id, {"slug": survey.slug}, actor=actor)


def close_survey(survey: Survey, actor: Any = None) -> None:
    survey.close()
    db.session.flush()
    record("survey.close", "survey", survey.id, {"slug": survey.slug}, actor=actor)


def set_dates(
    survey: Survey, opens_at: datetime | None, closes_at: datetime | None, actor: Any = None
) -> None:
    """Optional window inside the open state; both in UTC."""
    if opens_at is not None and closes_at is not None and opens_at >= closes_at:
        raise SurveyError(_("The closing date must be after the opening date."))
    survey.opens_at = opens_at
    survey.closes_at = closes_at
    db.session.flush()
    record(
        "survey.dates",
        "survey",
        survey.id,
        {
            "opens_at": opens_at.isoformat() if opens_at else None,
            "closes_at": closes_at.isoformat() if closes_at else None,
        },
        actor=actor,
    )


def change_state(survey: Survey, action: str, actor: Any = None) -> None:
    """'open' or 'close'; an impossible move becomes a SurveyError for the person."""
    try:
        if action == "open":
            open_survey(survey, actor)
        elif action == "close":
            close_survey(survey, actor)
        else:
            raise SurveyError(f"Unknown action '{action}'.")
    except SurveyStateError as error:
        raise SurveyError(
            _(
                "This change is not possible while the survey is in the state: %(state)s.",
                state=survey.state,
            )
        ) from error


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invitations(survey: Survey, count: int, actor: Any = None) -> list[str]:
    """Generate one-time tokens; only their hashes are stored, so show them now or never."""
    if survey.audience != Audience.INVITATION:
        raise SurveyError(_("Invitations are only for surveys answered by invitation."))
    if not 1 <= count <= MAX_INVITATIONS_PER_BATCH:
        raise SurveyError(
            _(
                "Generate between 1 and %(maximum)s invitations at a time.",
                maximum=MAX_INVITATIONS_PER_BATCH,
            )
        )
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]
    db.session.execute(
        sa.insert(Invitation),
        [
            {"survey_id": survey.id, "token_hash": hash_token(token), "created_at": utcnow()}
            for token in tokens
        ],
    )
    record("survey.invitations", "survey", survey.id, {"count": count}, actor=actor)
    return tokens


def find_invitation(survey: Survey, token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.survey_id == survey.id, Invitation.token_hash == hash_token(token)
        )
    )


def invitation_counts(survey: Survey) -> tuple[int, int]:
    """(generated, used) invitations of a survey."""
    total = db.session.scalar(sa.select(sa.func.count()).where(Invitation.survey_id == survey.id))
    used = db.session.scalar(
        sa.select(sa.func.count()).where(
            Invitation.survey_id == survey.id, Invitation.used_at.is_not(None)
        )
    )
    return total or 0, used or 0


def response_count(survey: Survey) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(SurveyResponse.survey_id == survey.id))
        or 0
    )


def all_surveys() -> list[Survey]:
    return list(db.session.scalars(sa.select(Survey).order_by(Survey.created_at.desc())))


def version_of(survey: Survey, number: int) -> SurveyVersion | None:
    return db.session.scalar(
        sa.select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == number
        )
    )
