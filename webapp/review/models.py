"""Council comments on published risk scores, and analysts' replies.

A comment is tied by foreign keys to the model run and the region it judges, and names the
period: a later run, whose score for the same period may differ, never inherits it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.database import UTCDateTime, utcnow
from webapp.extensions import db


class Verdict(enum.StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    NEEDS_DISCUSSION = "needs_discussion"


VERDICTS = tuple(verdict.value for verdict in Verdict)


class ScoreComment(db.Model):
    """A council member's judgement of one region's score for one period of one run."""

    __tablename__ = "review_score_comments"
    __table_args__ = (
        CheckConstraint(
            "verdict IN ('agree', 'disagree', 'needs_discussion')", name="verdict_is_known"
        ),
        Index("ix_review_score_comments_run_id_region_code", "run_id", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The run whose score is judged; runs are kept for good, so RESTRICT never bites.
    run_id: Mapped[str] = mapped_column(ForeignKey("risk_model_runs.run_id", ondelete="RESTRICT"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    #: Canonical period text, as in ``risk_scores.period``.
    period: Mapped[str] = mapped_column(String(16))
    #: The score as it was shown when the comment was made (the run never changes it).
    score: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Kept as text so that the record survives the account's removal.
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    replies: Mapped[list[CommentReply]] = relationship(
        back_populates="comment", order_by="CommentReply.created_at", cascade="all, delete-orphan"
    )
    region = relationship("Region")

    def __repr__(self) -> str:
        return f"<ScoreComment {self.id} {self.region_code} {self.period} {self.verdict}>"


class CommentReply(db.Model):
    """An analyst's answer to a council comment."""

    __tablename__ = "review_comment_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("review_score_comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_email: Mapped[str] = mapped_column(String(254), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    comment: Mapped[ScoreComment] = relationship(back_populates="replies")

    def __repr__(self) -> str:
        return f"<CommentReply {self.id} to {self.comment_id}>"
