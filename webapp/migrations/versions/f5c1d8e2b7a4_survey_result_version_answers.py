"""survey results: answerers of each question per survey version, region and month

A choice offered by only some versions (added or removed by an edit) could be picked only by
their respondents, so an indicator's share of that choice among those who answered must rest
on the answerers of those versions; the tallies, summed over versions, cannot tell them.

Existing counts: a survey with a single version is filled in from its tallies (every
answerer answered that version). A survey with several versions cannot be: its counts and
watermark are removed, and the next results page (or ``flask survey-results refresh``)
counts its responses again.

Revision ID: f5c1d8e2b7a4
Revises: e4b9c2d7a1f3
Create Date: 2026-11-28 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5c1d8e2b7a4"
down_revision = "e4b9c2d7a1f3"
branch_labels = None
depends_on = None

SINGLE = "SELECT survey_id FROM survey_versions GROUP BY survey_id HAVING COUNT(*) = 1"


def upgrade():
    op.create_table(
        "survey_result_version_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=255), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_result_version_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_version_id"],
            ["survey_versions.id"],
            name=op.f("fk_survey_result_version_answers_survey_version_id_survey_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_result_version_answers")),
        sa.UniqueConstraint(
            "survey_id",
            "question",
            "survey_version_id",
            "region_code",
            "month",
            name=op.f(
                "uq_survey_result_version_answers_survey_id_question_survey_version_id_region_code_month"
            ),
        ),
    )
    op.execute(
        "INSERT INTO survey_result_version_answers "
        "(survey_id, question, survey_version_id, region_code, month, count) "
        "SELECT t.survey_id, t.question, v.id, t.region_code, t.month, t.count "
        "FROM survey_result_tallies t JOIN survey_versions v ON v.survey_id = t.survey_id "
        "WHERE t.value = '' AND t.survey_id IN "
        "(SELECT survey_id FROM survey_versions GROUP BY survey_id HAVING COUNT(*) = 1)"
    )
    for delete in (
        "DELETE FROM survey_result_tallies WHERE survey_id NOT IN ({single})",
        "DELETE FROM survey_result_counts WHERE survey_id NOT IN ({single})",
        "DELETE FROM survey_result_version_counts WHERE survey_id NOT IN ({single})",
        "DELETE FROM survey_result_watermarks WHERE survey_id NOT IN ({single})",
    ):
        op.execute(delete.replace("{single}", SINGLE))


def downgrade():
    op.drop_table("survey_result_version_answers")
