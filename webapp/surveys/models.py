"""Surveys, their versions, responses, drafts, invitations, and public councils.

Privacy by construction: a response row holds the answers, the language, the region and (for
council feedback only) the council and its member. There is no column for an IP address, a
user agent or a cookie, so none can leak through an export.
"""

from __future__ import annotations

import enum
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.database import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.surveys.definition import SurveyDefinition

if TYPE_CHECKING:
    from webapp.regions.models import Region

#: Languages a respondent can answer in (the platform's interface languages).
RESPONSE_LANGUAGES = ("kk", "ru", "en")


class SurveyKind(enum.StrEnum):
    CITIZEN = "citizen"
    COUNCIL_FEEDBACK = "council_feedback"


class Audience(enum.StrEnum):
    #: Anyone with the link, anonymously.
    PUBLIC = "public"
    #: Only holders of a one-time invitation link; still anonymous.
    INVITATION = "invitation"
    #: Signed-in public-council members; attributed to their council, not anonymous.
    COUNCIL = "council"


class SurveyState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Level(enum.StrEnum):
    REPUBLICAN = "republican"
    LOCAL = "local"


#: Allowed lifecycle moves; anything else is refused with ``SurveyStateError``.
TRANSITIONS: dict[str, frozenset[str]] = {
    SurveyState.DRAFT: frozenset({SurveyState.OPEN}),
    SurveyState.OPEN: frozenset({SurveyState.CLOSED}),
    SurveyState.CLOSED: frozenset({SurveyState.OPEN}),
}


class SurveyStateError(ValueError):
    """A lifecycle move that is not allowed from the survey's current state."""


def _in(column: str, values: tuple[str, ...] | type[enum.StrEnum]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class StateBody(db.Model):
    """A ministry or akimat that a public council advises."""

    __tablename__ = "state_bodies"
    __table_args__ = (
        CheckConstraint(_in("level", Level), name="level_is_known"),
        CheckConstraint(
            "(level = 'republican' AND region_code IS NULL) "
            "OR (level = 'local' AND region_code IS NOT NULL)",
            name="local_has_region",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    councils: Mapped[list[Council]] = relationship(
        back_populates="state_body", order_by="Council.id"
    )
    region: Mapped[Region | None] = relationship(viewonly=True)

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en

    def __repr__(self) -> str:
        return f"<StateBody {self.id} {self.name_en}>"


class Council(db.Model):
    """A public council attached to a state body; its members give feedback as the council."""

    __tablename__ = "councils"
    __table_args__ = (
        CheckConstraint(_in("level", Level), name="level_is_known"),
        CheckConstraint(
            "(level = 'republican' AND region_code IS NULL) "
            "OR (level = 'local' AND region_code IS NOT NULL)",
            name="local_has_region",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    state_body_id: Mapped[int] = mapped_column(ForeignKey("state_bodies.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    state_body: Mapped[StateBody] = relationship(back_populates="councils")
    region: Mapped[Region | None] = relationship(viewonly=True)
    memberships: Mapped[list[CouncilMembership]] = relationship(
        back_populates="council", cascade="all, delete-orphan"
    )

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en

    def __repr__(self) -> str:
        return f"<Council {self.id} {self.name_en}>"


class CouncilMembership(db.Model):
    """A council-member account belongs to a council; responses are attributed through it."""

    __tablename__ = "council_memberships"
    __table_args__ = (UniqueConstraint("council_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    council: Mapped[Council] = relationship(back_populates="memberships")
    user = relationship("User")


class Survey(db.Model):
    """A survey and its lifecycle; the questions live in its versions."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(_in("kind", SurveyKind), name="kind_is_known"),
        CheckConstraint(_in("audience", Audience), name="audience_is_known"),
        CheckConstraint(_in("state", SurveyState), name="state_is_known"),
        CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at",
            name="dates_are_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public address: ``/s/<slug>``.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=SurveyKind.CITIZEN)
    audience: Mapped[str] = mapped_column(String(20), default=Audience.PUBLIC)
    state: Mapped[str] = mapped_column(String(10), default=SurveyState.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Every response of a bound survey belongs to this unit.
    bound_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    #: The state body whose council gives feedback (council feedback surveys).
    state_body_id: Mapped[int | None] = mapped_column(ForeignKey("state_bodies.id"), index=True)
    #: A note for staff and respondents, e.g. that the data are synthetic.
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The version new respondents get. The FK closes a cycle with survey_versions, so it is
    #: added after both tables exist (``use_alter``).
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "survey_versions.id",
            use_alter=True,
            name="fk_surveys_current_version_id_survey_versions",
            ondelete="SET NULL",
        )
    )

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey",
        foreign_keys="SurveyVersion.survey_id",
        order_by="SurveyVersion.number",
    )
    current_version: Mapped[SurveyVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    state_body: Mapped[StateBody | None] = relationship()
    bound_region = relationship("Region")

    # ------------------------------------------------------------------ lifecycle

    def _move(self, target: SurveyState) -> None:
        if target not in TRANSITIONS[SurveyState(self.state)]:
            raise SurveyStateError(f"A {self.state} survey cannot be moved to {target}.")
        self.state = target

    def open(self) -> None:
        """Start (or resume) accepting responses, within the optional dates."""
        if self.current_version_id is None and self.current_version is None:
            raise SurveyStateError("A survey without questions cannot be opened.")
        self._move(SurveyState.OPEN)

    def close(self) -> None:
        self._move(SurveyState.CLOSED)

    def is_accepting(self, now: datetime) -> bool:
        """True when a response submitted at ``now`` is stored."""
        if self.state != SurveyState.OPEN:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return not (self.closes_at is not None and now >= self.closes_at)

    def availability(self, now: datetime) -> str:
        """One word for the respondent pages: open, not_yet_open, closed or draft."""
        if self.state == SurveyState.DRAFT:
            return "draft"
        if self.state == SurveyState.CLOSED:
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "not_yet_open"
        if self.closes_at is not None and now >= self.closes_at:
            return "closed"
        return "open"

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.slug} {self.state}>"


class SurveyVersion(db.Model):
    """One fixed set of questions. Published versions never change; edits go into the
    survey's one unpublished version (its working copy), which "publish changes" makes
    current."""

    __tablename__ = "survey_versions"
    __table_args__ = (
        # Two saves at once (an upload, a working copy) cannot both take the next number.
        UniqueConstraint("survey_id", "number"),
        # At most one unpublished version per survey: the working copy the designer edits
        # (for a draft survey, its current version). Respondents only get published or
        # current versions, so nothing of a working copy reaches them.
        Index(
            "uq_survey_versions_one_working_copy",
            "survey_id",
            unique=True,
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: ``SurveyDefinition.to_dict()``.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    #: What the import of the file left out or does differently (metadata rows, ignored
    #: columns...), in the uploader's language; None for a version made in the designer.
    #: Kept here because a page after an upload can only flash a few of them. Deferred:
    #: only the survey's page reads them, not the respondents' and results' queries.
    import_notes: Mapped[list[str] | None] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when respondents first could see this version; from then on it is frozen.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    survey: Mapped[Survey] = relationship(back_populates="versions", foreign_keys=[survey_id])

    def load(self) -> SurveyDefinition:
        """The definition as dataclasses (validated when it was stored).

        Parsing and validating a definition costs more than a page view, so each worker keeps
        recent ones; the key includes ``created_at``, which changes when an unpublished
        version is replaced in place.
        """
        key = (self.id, self.created_at)
        if self.id is not None:
            cached = _DEFINITIONS.get(key)  # one look-up: another thread may evict the key
            if cached is not None:
                return cached
        definition = SurveyDefinition.from_dict(self.definition)
        if self.id is not None:
            # Threads of one worker share the cache: eviction and insertion under one lock
            # (two threads evicting the same oldest key raised KeyError).
            with _DEFINITIONS_LOCK:
                while len(_DEFINITIONS) >= _DEFINITION_CACHE_SIZE:
                    _DEFINITIONS.pop(next(iter(_DEFINITIONS)))
                _DEFINITIONS[key] = definition
        return definition

    def __repr__(self) -> str:
        return f"<SurveyVersion {self.survey_id} v{self.number}>"


_DEFINITION_CACHE_SIZE = 64
_DEFINITIONS: dict[tuple[int, datetime | None], SurveyDefinition] = {}
_DEFINITIONS_LOCK = threading.Lock()


def cached_definition(version_id: int, created_at: datetime | None) -> SurveyDefinition | None:
    """The definition ``SurveyVersion.load`` keeps for this version, if this worker has it."""
    return _DEFINITIONS.get((version_id, created_at))


class Invitation(db.Model):
    """A one-time invitation. Only the SHA-256 of its token is kept, never the token itself."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    survey: Mapped[Survey] = relationship()
    #: The response given with this invitation (at most one: survey_responses.invitation_id
    #: is unique).
    response: Mapped[SurveyResponse | None] = relationship(
        back_populates="invitation", uselist=False, viewonly=True
    )

    @property
    def response_id(self) -> int | None:
        return self.response.id if self.response is not None else None


class SurveyResponse(db.Model):
    """One stored submission. ``submission_id`` is unique: the exactly-once key."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(_in("language", RESPONSE_LANGUAGES), name="language_is_known"),
        # Only council feedback is attributed to a person; public answers never are.
        CheckConstraint(
            "respondent_user_id IS NULL OR council_id IS NOT NULL",
            name="only_council_responses_are_attributed",
        ),
        Index("ix_survey_responses_survey_id_submitted_at", "survey_id", "submitted_at"),
        # (survey, region) lookups use the (survey, region, time) index of the results
        # (webapp/surveys/results/models.py): one index less to write per response.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the canonical answers: tells a retry (same) from a conflicting re-use.
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), index=True)
    respondent_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Question name -> str | int | float | list[str]; hidden questions are absent.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship()
    version: Mapped[SurveyVersion] = relationship()
    council: Mapped[Council | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship(back_populates="response")

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} survey={self.survey_id}>"


class SurveyDraft(db.Model):
    """Answers in progress (multi-page forms, save and continue). Not a response."""

    __tablename__ = "survey_drafts"
    # Two posts of one submission may race to finish it: the second's delete then finds the
    # draft gone. That is expected, not an error: the response's unique submission_id
    # refuses the second insert, which is answered as a repeat.
    __mapper_args__: ClassVar[dict[str, Any]] = {"confirm_deleted_rows": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE"), index=True
    )
    #: Raw answers as typed so far (question name -> text or list of text).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page_index: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(8))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )

    version: Mapped[SurveyVersion] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
