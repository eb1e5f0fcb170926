"""chart rebases: where a service's XmR chart starts a new period, at a recorded change with its reason

Revision ID: 9d2c4e6f8a10
Revises: 3b8f5a1c2d7e
Create Date: 2026-12-01 06:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "9d2c4e6f8a10"
down_revision: str | None = "3b8f5a1c2d7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chartrebase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["improvementaction.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "quarter"),
    )
    with op.batch_alter_table("chartrebase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chartrebase_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chartrebase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chartrebase_service_id"))
    op.drop_table("chartrebase")
