"""survey results: responses per version, region and month

A question or choice added or removed between versions was never put to the respondents of
the other versions; the results count, per question, only those whose version held it, and
need the responses per version to do so.

Existing counts: a survey with a single version is filled in from its monthly counts (every
response answered that version). A survey with several versions cannot be: its tallies and
watermark are removed, and the next results page (or ``flask survey-results refresh``)
counts its responses again.

Revision ID: e4b9c2d7a1f3
Revises: c2a8f5e3d1b6
Create Date: 2026-11-28 06:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b9c2d7a1f3"
down_revision = "c2a8f5e3d1b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_result_version_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("survey_version_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_result_version_counts_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_version_id"],
            ["survey_versions.id"],
            name=op.f("fk_survey_result_version_counts_survey_version_id_survey_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_result_version_counts")),
        sa.UniqueConstraint(
            "survey_id",
            "survey_version_id",
            "region_code",
            "month",
            name=op.f(
                "uq_survey_result_version_counts_survey_id_survey_version_id_region_code_month"
            ),
        ),
    )
    op.execute(
        "INSERT INTO survey_result_version_counts "
        "(survey_id, survey_version_id, region_code, month, count) "
        "SELECT c.survey_id, v.id, c.region_code, c.month, SUM(c.count) "
        "FROM survey_result_counts c JOIN survey_versions v ON v.survey_id = c.survey_id "
        "WHERE c.survey_id IN (SELECT survey_id FROM survey_versions "
        "GROUP BY survey_id HAVING COUNT(*) = 1) "
        "GROUP BY c.survey_id, v.id, c.region_code, c.month"
    )
    for delete in (
        "DELETE FROM survey_result_tallies WHERE survey_id NOT IN ({single})",
        "DELETE FROM survey_result_counts WHERE survey_id NOT IN ({single})",
        "DELETE FROM survey_result_watermarks WHERE survey_id NOT IN ({single})",
    ):
        op.execute(
            delete.replace(
                "{single}",
                "SELECT survey_id FROM survey_versions GROUP BY survey_id HAVING COUNT(*) = 1",
            )
        )


def downgrade():
    op.drop_table("survey_result_version_counts")
