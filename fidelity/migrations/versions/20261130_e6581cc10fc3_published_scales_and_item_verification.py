"""published scales and item verification

Revision ID: e6581cc10fc3
Revises: b09fc31dfcb4
Create Date: 2026-11-30 19:49:18.377973
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e6581cc10fc3"
down_revision: str | None = "b09fc31dfcb4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "itemverification",
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("source_title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source_edition", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("source_page", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["scalesnapshot.content_hash"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash", "item_number"),
    )
    with op.batch_alter_table("itemverification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_itemverification_content_hash"), ["content_hash"], unique=False)

    op.create_table(
        "publishedscale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("scale_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("shipped", sa.Boolean(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("retired_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["scalesnapshot.content_hash"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scale_id", "scale_version"),
    )
    with op.batch_alter_table("publishedscale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publishedscale_scale_id"), ["scale_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publishedscale", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publishedscale_scale_id"))

    op.drop_table("publishedscale")
    with op.batch_alter_table("itemverification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_itemverification_content_hash"))

    op.drop_table("itemverification")
