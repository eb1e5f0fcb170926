"""guided self-assessment: the guiding reviewer

Revision ID: fc4211e8fa3f
Revises: 218195348d25
Create Date: 2026-11-30 20:36:32.690879
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "fc4211e8fa3f"
down_revision: str | None = "218195348d25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guide_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("guide", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.create_foreign_key("fk_review_guide_user_id_user", "user", ["guide_user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("fk_review_guide_user_id_user", type_="foreignkey")
        batch_op.drop_column("guide")
        batch_op.drop_column("guide_user_id")
