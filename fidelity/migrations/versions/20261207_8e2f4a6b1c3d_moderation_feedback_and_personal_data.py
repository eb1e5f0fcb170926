"""moderation and the service's feedback: rounds of moderation with comments per item, the day the moderated draft
was presented to the service and the last day of its feedback window, further evidence per item with the reviewers'
answers; the day a review's personal data is deleted (and when it was), and the sample's measures kept after it;
the improvement plan's agreement by the service lead and the lead reviewer, and the technical support given after it

Revision ID: 8e2f4a6b1c3d
Revises: 6a7b8c9d0e1f
Create Date: 2026-12-07 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "8e2f4a6b1c3d"
down_revision: str | None = "6a7b8c9d0e1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_name = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "moderationround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sent_by", _name(length=120), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decision", _name(length=12), nullable=True),
        sa.Column("decided_by", _name(length=120), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "number"),
    )
    op.create_table(
        "moderationcomment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["moderationround.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "item_number"),
    )
    op.create_table(
        "itemfeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("sent_by", _name(length=120), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answer", _name(length=14), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("score_before", sa.Integer(), nullable=True),
        sa.Column("score_after", sa.Integer(), nullable=True),
        sa.Column("answered_by", _name(length=120), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for table, column in (
        ("moderationround", "review_id"),
        ("moderationcomment", "round_id"),
        ("itemfeedback", "review_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_shared_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("personal_data_delete_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("personal_data_deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        "keptmeasures",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_table(
        "planagreement",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("service_lead", _name(length=120), nullable=True),
        sa.Column("service_lead_on", sa.Date(), nullable=True),
        sa.Column("lead_reviewer", _name(length=120), nullable=True),
        sa.Column("lead_reviewer_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_table(
        "supportentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", _name(length=30), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", _name(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("supportentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supportentry_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supportentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supportentry_review_id"))
    op.drop_table("supportentry")
    op.drop_table("planagreement")
    op.drop_table("keptmeasures")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_column("personal_data_deleted_at")
        batch_op.drop_column("personal_data_delete_on")
        batch_op.drop_column("feedback_until")
        batch_op.drop_column("report_shared_on")
    for table, column in (
        ("itemfeedback", "review_id"),
        ("moderationcomment", "round_id"),
        ("moderationround", "review_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
