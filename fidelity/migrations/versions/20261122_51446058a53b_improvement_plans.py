"""improvement plans

Revision ID: 51446058a53b
Revises: 4a4597460e0c
Create Date: 2026-11-22 19:49:23.119304
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "51446058a53b"
down_revision: str | None = "4a4597460e0c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvementaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("improvementaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvementaction_review_id"), ["review_id"], unique=False)

    op.create_table(
        "actionnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["improvementaction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("actionnote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actionnote_action_id"), ["action_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actionnote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actionnote_action_id"))

    op.drop_table("actionnote")
    with op.batch_alter_table("improvementaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvementaction_review_id"))

    op.drop_table("improvementaction")
