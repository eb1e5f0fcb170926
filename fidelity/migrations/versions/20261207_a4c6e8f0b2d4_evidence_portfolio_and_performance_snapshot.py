"""evidence portfolio and performance snapshot: the evidence a service lists per item, the lead reviewer's audit of
it, and the service's figures for the four quarters before the visit, pinned to the review

Revision ID: a4c6e8f0b2d4
Revises: 8e2f4a6b1c3d
Create Date: 2026-12-07 20:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a4c6e8f0b2d4"
down_revision: str | None = "8e2f4a6b1c3d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_name = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "portfolioentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("title", _name(length=200), nullable=False),
        sa.Column("kind", _name(length=3), nullable=False),
        sa.Column("added_by", _name(length=120), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "portfolioverdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("verdict", _name(length=10), nullable=False),
        sa.Column("note", _name(length=500), nullable=False),
        sa.Column("marked_by", _name(length=120), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "item_number"),
    )
    for table in ("portfolioentry", "portfolioverdict"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_review_id"), ["review_id"], unique=False)
    op.create_table(
        "performancesnapshot",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("prefilled", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", _name(length=120), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )


def downgrade() -> None:
    op.drop_table("performancesnapshot")
    for table in ("portfolioverdict", "portfolioentry"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_review_id"))
        op.drop_table(table)
