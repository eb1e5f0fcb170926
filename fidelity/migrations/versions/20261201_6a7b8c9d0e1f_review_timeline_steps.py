"""review timeline: each programme's steps (where an admin changed the default), each review's steps with owner, due
date and status; a moderator per review. Reviews not yet final get IPS Grow's default timeline.

Revision ID: 6a7b8c9d0e1f
Revises: 5f1e2d3c4b5a
Create Date: 2026-12-01 11:20:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "6a7b8c9d0e1f"
down_revision: str | None = "5f1e2d3c4b5a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# IPS Grow's timeline as it stood when this migration was written (fidelity.timeline.DEFAULT_TIMELINE then):
# key, title, owner, anchor, days. Frozen here so the migration does the same thing whatever the code becomes.
DEFAULT = [
    ("aims_agreed", "Aims agreed on a call; partnership agreement signed", "service lead", "visit", -56),
    ("information_governance", "Information governance arranged", "service lead", "visit", -56),
    ("interviewees_contacted", "Interviewees contacted", "service lead", "visit", -56),
    ("portfolio_assembled", "Portfolio of evidence assembled", "service lead", "visit", -56),
    ("portfolio_audited", "Portfolio audited for gaps", "lead reviewer", "visit", -21),
    ("timetable_sent", "Visit timetable sent to the reviewers", "service lead", "visit", -14),
    ("snapshot_sent", "Performance snapshot sent to the lead reviewer", "service lead", "visit", -14),
    ("catch_up_call", "Catch-up call before the visit", "lead reviewer", "visit", -14),
    ("report_written", "Draft report written", "lead reviewer", "visit", 21),
    ("report_moderated", "Draft report moderated", "moderator", "visit", 25),
    ("report_presented", "Report presented to the service", "lead reviewer", "visit", 28),
    ("feedback_sent", "Further evidence sent on individual items", "service lead", "report", 7),
    ("personal_data_deleted", "Personal data gathered for the review deleted", "admin", "report", 14),
    ("action_plan_agreed", "Action plan agreed with the lead reviewer", "service lead", "report", 42),
    ("support_agreed", "Technical support agreed", "lead reviewer", "report", 42),
]
REPORT_DAYS = 28


def upgrade() -> None:
    op.create_table(
        "timelinetemplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id"),
    )
    op.create_table(
        "reviewstep",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("anchor", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("done_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "key"),
    )
    with op.batch_alter_table("reviewstep", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewstep_review_id"), ["review_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewstep_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewstep_status"), ["status"], unique=False)
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moderator_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_review_moderator_user_id_user", "user", ["moderator_user_id"], ["id"])
    _default_steps_for_open_reviews()


def _default_steps_for_open_reviews() -> None:
    connection = op.get_bind()
    open_reviews = connection.execute(
        sa.text(
            "SELECT id, visit_start FROM review WHERE status <> 'final' AND kind <> 'self-assessment' "
            "AND amends_id IS NULL"
        )
    ).all()
    now = datetime.now(UTC)
    step = sa.table(
        "reviewstep",
        *(sa.column(name) for name in ("review_id", "position", "key", "title", "owner", "anchor", "days")),
        *(sa.column(name) for name in ("due", "status", "late", "updated_at", "version")),
    )
    rows = []
    for review_id, visit in open_reviews:
        visit = visit if isinstance(visit, date) else date.fromisoformat(str(visit))
        dated = [
            (
                visit + timedelta(days=days + (REPORT_DAYS if anchor == "report" else 0)),
                n,
                key,
                title,
                owner,
                anchor,
                days,
            )
            for n, (key, title, owner, anchor, days) in enumerate(DEFAULT)
        ]
        for position, (due, _, key, title, owner, anchor, days) in enumerate(sorted(dated)):
            rows.append(
                {
                    "review_id": review_id,
                    "position": position,
                    "key": key,
                    "title": title,
                    "owner": owner,
                    "anchor": anchor,
                    "days": days,
                    "due": due,
                    "status": "to do",
                    "late": False,
                    "updated_at": now,
                    "version": 1,
                }
            )
    if rows:
        op.bulk_insert(step, rows)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("fk_review_moderator_user_id_user", type_="foreignkey")
        batch_op.drop_column("moderator_user_id")
    with op.batch_alter_table("reviewstep", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewstep_status"))
        batch_op.drop_index(batch_op.f("ix_reviewstep_due"))
        batch_op.drop_index(batch_op.f("ix_reviewstep_review_id"))
    op.drop_table("reviewstep")
    op.drop_table("timelinetemplate")
