"""quarterly outcomes

Revision ID: a2e6c993e3f0
Revises: 51446058a53b
Create Date: 2026-11-22 20:27:28.395236
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a2e6c993e3f0"
down_revision: str | None = "51446058a53b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcomeperiod",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("specialist_fte", sa.Float(), nullable=False),
        sa.Column("active_caseload", sa.Integer(), nullable=False),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("out_of_work", sa.Integer(), nullable=False),
        sa.Column("in_work", sa.Integer(), nullable=False),
        sa.Column("first_job_starts", sa.Integer(), nullable=False),
        sa.Column("total_job_starts", sa.Integer(), nullable=False),
        sa.Column("retention_successes", sa.Integer(), nullable=False),
        sa.Column("sustained_13_weeks", sa.Integer(), nullable=False),
        sa.Column("sustained_26_weeks", sa.Integer(), nullable=False),
        sa.Column("employer_contacts", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "quarter"),
    )
    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcomeperiod_quarter_start"), ["quarter_start"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcomeperiod_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomeperiod_service_id"))
        batch_op.drop_index(batch_op.f("ix_outcomeperiod_quarter_start"))

    op.drop_table("outcomeperiod")
