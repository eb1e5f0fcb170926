"""users, roles, amendments and row versions

Revision ID: b09fc31dfcb4
Revises: a2e6c993e3f0
Create Date: 2026-11-22 21:34:50.415495
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b09fc31dfcb4"
down_revision: str | None = "a2e6c993e3f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("demo_password", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_signed_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_email"), ["email"], unique=False)

    op.create_table(
        "userscope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("userscope", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_userscope_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_entity_id"), ["entity_id"], unique=False)

    with op.batch_alter_table("improvementaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("itemrating", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("second_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("amends_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("amendment_reason", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_amends_id"), ["amends_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_lead_user_id"), ["lead_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_second_user_id"), ["second_user_id"], unique=False)
        batch_op.create_foreign_key("fk_review_second_user_id_user", "user", ["second_user_id"], ["id"])
        batch_op.create_foreign_key("fk_review_amends_id_review", "review", ["amends_id"], ["id"])
        batch_op.create_foreign_key("fk_review_lead_user_id_user", "user", ["lead_user_id"], ["id"])

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("fk_review_lead_user_id_user", type_="foreignkey")
        batch_op.drop_constraint("fk_review_amends_id_review", type_="foreignkey")
        batch_op.drop_constraint("fk_review_second_user_id_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_review_second_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_lead_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_amends_id"))
        batch_op.drop_column("amendment_reason")
        batch_op.drop_column("amends_id")
        batch_op.drop_column("second_user_id")
        batch_op.drop_column("lead_user_id")

    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("itemrating", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("improvementaction", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_entity_id"))

    with op.batch_alter_table("userscope", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_userscope_user_id"))

    op.drop_table("userscope")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_email"))

    op.drop_table("user")
