"""Council comments on scores and analysts' replies: the state changes of the review domain.

Functions add to the session and flush; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.audit.services import record
from webapp.extensions import db
from webapp.regions.models import Region
from webapp.review.models import VERDICTS, CommentReply, ScoreComment
from webapp.risk.models import RiskModelRun, RiskScore

MAX_BODY_LENGTH = 4000


class CommentRefused(ValueError):
    """The comment cannot be stored; the message says why, for the person who wrote it."""


def add_comment(
    run: RiskModelRun, region: Region, period: str, verdict: str, body: str, author: Any
) -> ScoreComment:
    """Store a verdict on ``region``'s score for ``period`` in ``run``.

    Refused when the run has no score for that unit and period: a comment must judge a
    number someone was shown, not a period the model never scored.
    """
    if verdict not in VERDICTS:
        raise CommentRefused(_("Choose agree, disagree or needs discussion."))
    body = (body or "").strip()
    if len(body) > MAX_BODY_LENGTH:
        raise CommentRefused(
            _("The comment is too long (at most %(limit)s characters).", limit=MAX_BODY_LENGTH)
        )
    score = db.session.scalar(
        sa.select(RiskScore).where(
            RiskScore.run_id == run.run_id,
            RiskScore.region_code == region.code,
            RiskScore.period == period,
        )
    )
    if score is None or score.score is None:
        raise CommentRefused(
            _(
                "The published model run has no score for this unit in %(period)s, so there "
                "is nothing to comment on. Choose one of the scored periods.",
                period=period,
            )
        )
    comment = ScoreComment(
        run_id=run.run_id,
        region_code=region.code,
        period=period,
        score=score.score,
        verdict=verdict,
        body=body,
        author_id=getattr(author, "id", None),
        author_email=getattr(author, "email", ""),
        author_name=getattr(author, "display_name", "") or "",
    )
    db.session.add(comment)
    db.session.flush()
    record(
        "review.comment",
        "score_comment",
        comment.id,
        {"run": run.run_id, "region": region.code, "period": period, "verdict": verdict},
    )
    return comment


def add_reply(comment: ScoreComment, body: str, author: Any) -> CommentReply:
    body = (body or "").strip()
    if not body:
        raise CommentRefused(_("Write a reply before sending it."))
    if len(body) > MAX_BODY_LENGTH:
        raise CommentRefused(
            _("The reply is too long (at most %(limit)s characters).", limit=MAX_BODY_LENGTH)
        )
    reply = CommentReply(
        comment=comment,
        body=body,
        author_id=getattr(author, "id", None),
        author_email=getattr(author, "email", ""),
        author_name=getattr(author, "display_name", "") or "",
    )
    db.session.add(reply)
    db.session.flush()
    record("review.reply", "score_comment", comment.id, {"reply": reply.id})
    return reply


@dataclass(frozen=True)
class CommentFilter:
    region: str = ""
    verdict: str = ""
    period: str = ""
    run_id: str = ""
    #: "open" (no reply yet), "answered" or "" for both.
    status: str = ""


def comments_query(criteria: CommentFilter) -> sa.Select[tuple[ScoreComment]]:
    query = sa.select(ScoreComment).order_by(ScoreComment.created_at.desc(), ScoreComment.id.desc())
    if criteria.region:
        query = query.where(ScoreComment.region_code == criteria.region)
    if criteria.verdict:
        query = query.where(ScoreComment.verdict == criteria.verdict)
    if criteria.period:
        query = query.where(ScoreComment.period == criteria.period)
    if criteria.run_id:
        query = query.where(ScoreComment.run_id == criteria.run_id)
    answered = sa.select(CommentReply.id).where(CommentReply.comment_id == ScoreComment.id)
    if criteria.status == "open":
        query = query.where(~answered.exists())
    elif criteria.status == "answered":
        query = query.where(answered.exists())
    return query


def region_comments(region_code: str) -> list[ScoreComment]:
    return list(
        db.session.scalars(
            sa.select(ScoreComment)
            .where(ScoreComment.region_code == region_code)
            .order_by(ScoreComment.created_at.desc(), ScoreComment.id.desc())
        )
    )


def comment_periods() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ScoreComment.period).distinct().order_by(ScoreComment.period.desc())
        )
    )


def comment_regions() -> set[str]:
    """Codes of the units that have at least one comment."""
    return set(db.session.scalars(sa.select(ScoreComment.region_code).distinct()))


def comment_runs() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ScoreComment.run_id).distinct().order_by(ScoreComment.run_id.desc())
        )
    )
