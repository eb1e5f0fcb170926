"""job starts split by clients' work status

The outcomes form had one field, "people with a first job start", while the employment rate it fed counts
out-of-work clients only (IPS Grow, from April 2024): an in-work (job-retention) client's new job could be
counted in it unseen. The field becomes two: out-of-work clients with a first job start (the rate's numerator)
and in-work clients who started a new job (never in the rate).

Existing quarters keep their figures. Their one figure is read as out-of-work clients' job starts (it is what
the employment rate already divided by out-of-work clients), their in-work job starts are 0, and they are marked
`job_starts_split = false` so every page that shows their rates says how they were read. One audit event records
the migration and how many quarters it read that way. Downgrading adds the two back into one field.

Revision ID: 7c1d2e9a4b60
Revises: fc4211e8fa3f
Create Date: 2026-12-01 05:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7c1d2e9a4b60"
down_revision: str | None = "fc4211e8fa3f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ_AS = (
    "people with a first job start read as out-of-work clients with a first job start; "
    "in-work clients who started a new job set to 0; marked job_starts_split = false"
)


def upgrade() -> None:
    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.alter_column(
            "first_job_starts",
            new_column_name="out_of_work_job_starts",
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("in_work_job_starts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("job_starts_split", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.alter_column("in_work_job_starts", server_default=None, existing_type=sa.Integer())
        batch_op.alter_column("job_starts_split", server_default=None, existing_type=sa.Boolean())
    connection = op.get_bind()
    quarters = connection.execute(sa.text("SELECT count(*) FROM outcomeperiod")).scalar_one()
    if quarters:
        audit = sa.table(
            "auditevent",
            sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
            sa.column("actor", sa.String),
            sa.column("action", sa.String),
            sa.column("entity", sa.String),
            sa.column("entity_id", sa.String),
            sa.column("before", sa.JSON),
            sa.column("after", sa.JSON),
        )
        connection.execute(
            audit.insert().values(
                at=datetime.now(UTC),
                actor="migration 7c1d2e9a4b60",
                action="migrate",
                entity="outcomeperiod",
                entity_id="every quarter",
                before=None,
                after={"quarters": quarters, "read as": READ_AS},
            )
        )


def downgrade() -> None:
    op.execute("UPDATE outcomeperiod SET out_of_work_job_starts = out_of_work_job_starts + in_work_job_starts")
    with op.batch_alter_table("outcomeperiod", schema=None) as batch_op:
        batch_op.drop_column("job_starts_split")
        batch_op.drop_column("in_work_job_starts")
        batch_op.alter_column(
            "out_of_work_job_starts",
            new_column_name="first_job_starts",
            existing_type=sa.Integer(),
            existing_nullable=False,
        )
