"""Tables of survey results: incremental tallies, indicator mappings, region populations.

Results pages read counts, never raw answers, so that a page stays fast with millions of
responses. The tallies are brought up to date from a watermark (the id of the last response
counted) when results are read, or by ``flask survey-results refresh``; the respondent's
path does not write them and stays as fast as a bare insert.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.database import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.surveys.models import SurveyResponse

#: The analysts' latest free-text answers of one region: walked backwards from the newest,
#: a few hundred index entries instead of sorting the region's responses (50,000 in a survey
#: of a million). Declared here, beside the results that need it, on the responses table.
Index(
    "ix_survey_responses_survey_id_region_code_submitted_at",
    SurveyResponse.survey_id,
    SurveyResponse.region_code,
    SurveyResponse.submitted_at,
)


class SurveyResultWatermark(db.Model):
    """How far the tallies of a survey have counted."""

    __tablename__ = "survey_result_watermarks"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: Responses with an id up to this one are in the tallies.
    last_response_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: When this count started from zero (a rebuild starts a new one). Snapshots of the same
    #: count can be moved forward by counting the responses in between; across a rebuild
    #: they cannot (deleted responses would still be in them). None for counts made before
    #: the column existed.
    counting_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SurveyResultWatermark survey={self.survey_id} at {self.last_response_id}>"


class SurveyResultCount(db.Model):
    """Responses per region, local calendar day and language."""

    __tablename__ = "survey_result_counts"
    __table_args__ = (UniqueConstraint("survey_id", "region_code", "day", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: Region code, or "" for responses without a region (not a foreign key: a tally).
    region_code: Mapped[str] = mapped_column(String(32))
    #: Day in the platform's time zone (``BABEL_DEFAULT_TIMEZONE``).
    day: Mapped[date] = mapped_column(Date)
    #: ``YYYY-MM`` of ``day``: pages read monthly sums, only analysts read days.
    month: Mapped[str] = mapped_column(String(7))
    language: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(default=0)


class SurveyResultVersionCount(db.Model):
    """Responses per survey version, region and month.

    A question or choice added or removed between versions was never put to the respondents
    of the other versions: each question's figures rest on the responses whose version
    held it (``figures.version_groups``).
    """

    __tablename__ = "survey_result_version_counts"
    __table_args__ = (UniqueConstraint("survey_id", "survey_version_id", "region_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE")
    )
    region_code: Mapped[str] = mapped_column(String(32))
    #: ``YYYY-MM`` in the platform's time zone.
    month: Mapped[str] = mapped_column(String(7))
    count: Mapped[int] = mapped_column(default=0)


class SurveyResultVersionAnswer(db.Model):
    """Respondents of one survey version who answered one question, per region and month.

    A choice offered by only some versions (added or removed by an edit) could be picked
    only by their respondents: an indicator's share of that choice among those who answered
    rests on the answerers of those versions (``indicators.indicator_observations``), which
    the tallies, summed over versions, cannot tell.
    """

    __tablename__ = "survey_result_version_answers"
    __table_args__ = (
        UniqueConstraint("survey_id", "question", "survey_version_id", "region_code", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(255))
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE")
    )
    region_code: Mapped[str] = mapped_column(String(32))
    #: ``YYYY-MM`` in the platform's time zone.
    month: Mapped[str] = mapped_column(String(7))
    count: Mapped[int] = mapped_column(default=0)


class SurveyResultTally(db.Model):
    """Respondents per question and answer value, region and month.

    ``value`` is the answer code (numbers in canonical text, dates as their month); the empty
    value counts the respondents who answered the question at all.
    """

    __tablename__ = "survey_result_tallies"
    __table_args__ = (UniqueConstraint("survey_id", "question", "value", "region_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    region_code: Mapped[str] = mapped_column(String(32))
    #: ``YYYY-MM`` in the platform's time zone.
    month: Mapped[str] = mapped_column(String(7))
    count: Mapped[int] = mapped_column(default=0)


class SurveyIndicatorMapping(db.Model):
    """An analyst's rule turning one question into one indicator of the risk catalogue."""

    __tablename__ = "survey_indicator_mappings"
    __table_args__ = (
        UniqueConstraint("survey_id", "indicator_code"),
        CheckConstraint("method IN ('share', 'mean')", name="method_is_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: Code in the indicator catalogue (``risk_indicators``), e.g. ``survey_dissatisfied_services``.
    indicator_code: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(255))
    #: ``share`` of answers among ``codes``, or ``mean`` of a numeric answer.
    method: Mapped[str] = mapped_column(String(10))
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SurveyIndicatorMapping {self.indicator_code} <- {self.question} ({self.method})>"


class RegionPopulation(db.Model):
    """Population of a region, for post-stratifying national survey indicators."""

    __tablename__ = "survey_region_populations"

    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True
    )
    population: Mapped[float] = mapped_column(Float)
    #: Where the figure comes from and its date, as given in the uploaded file.
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<RegionPopulation {self.region_code} {self.population:.0f}>"
