"""two reviewers and consensus

Revision ID: 4a4597460e0c
Revises: 5e3241a10594
Create Date: 2026-11-22 19:43:11.174919
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "4a4597460e0c"
down_revision: str | None = "5e3241a10594"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("itemrating", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rationale", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("strength", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("recommendation", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("second_submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    # Reviews finalised before two-reviewer scoring were scored by one reviewer: their scores are
    # what was agreed, so they become the consensus rows that totals are now counted from.
    op.execute(
        """
        INSERT INTO itemrating (review_id, item_number, rater, score, evidence, data_sources, metric_numerator,
                                metric_denominator, metric_value, checklist_ticked, rationale, strength,
                                recommendation, updated_at)
        SELECT r.review_id, r.item_number, 'consensus', r.score, r.evidence, r.data_sources, r.metric_numerator,
               r.metric_denominator, r.metric_value, r.checklist_ticked, '', '', '', r.updated_at
        FROM itemrating r JOIN review v ON v.id = r.review_id
        WHERE r.rater = 'lead' AND v.status = 'final' AND v.second_reviewer IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM itemrating c WHERE c.review_id = r.review_id AND c.rater = 'consensus')
        """
    )
    op.execute("UPDATE review SET lead_submitted_at = finalised_at WHERE status = 'final'")
    op.execute(
        "UPDATE review SET second_submitted_at = finalised_at WHERE status = 'final' AND second_reviewer IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM itemrating WHERE rater = 'consensus'")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_column("second_submitted_at")
        batch_op.drop_column("lead_submitted_at")

    with op.batch_alter_table("itemrating", schema=None) as batch_op:
        batch_op.drop_column("recommendation")
        batch_op.drop_column("strength")
        batch_op.drop_column("rationale")
