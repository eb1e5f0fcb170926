"""site visit: plan sessions, case-record sample, evidence notes

Revision ID: 218195348d25
Revises: e6581cc10fc3
Create Date: 2026-11-30 20:27:24.771759
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "218195348d25"
down_revision: str | None = "e6581cc10fc3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caserecord",
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("first_meeting", sa.Date(), nullable=True),
        sa.Column("first_employer_contact", sa.Date(), nullable=True),
        sa.Column("profile_present", sa.Boolean(), nullable=True),
        sa.Column("profile_updated_after_job", sa.Boolean(), nullable=True),
        sa.Column("benefits_advice", sa.Boolean(), nullable=True),
        sa.Column("job_start", sa.Date(), nullable=True),
        sa.Column("job_end", sa.Date(), nullable=True),
        sa.Column("job_competitive", sa.Boolean(), nullable=True),
        sa.Column("in_work_contacts", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "reference"),
    )
    with op.batch_alter_table("caserecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_caserecord_review_id"), ["review_id"], unique=False)

    op.create_table(
        "visitsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("informant_role", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visitsession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visitsession_review_id"), ["review_id"], unique=False)

    op.create_table(
        "evidencenote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("rater", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["visitsession.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidencenote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidencenote_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidencenote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidencenote_review_id"))

    op.drop_table("evidencenote")
    with op.batch_alter_table("visitsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitsession_review_id"))

    op.drop_table("visitsession")
    with op.batch_alter_table("caserecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caserecord_review_id"))

    op.drop_table("caserecord")
