"""review: comments on a passage, suggestions, facilitators' feedback, notifications

Four tables of the review area (``app/review/models.py``): ``review_comments`` (threads
anchored by two Yjs relative positions, replies), ``review_suggestions`` (suggested edits
and their decision), ``review_feedback`` (one per section: a draft and what was released)
and ``review_notifications`` (the members' inboxes). Downgrading drops them.

Revision ID: b7e2c41d9a05
Revises: 6ca4cef0b490
Create Date: 2026-12-03 16:20:32.253249

"""

import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = "b7e2c41d9a05"
down_revision = "6ca4cef0b490"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("anchor_start", sa.LargeBinary(), nullable=True),
        sa.Column("anchor_end", sa.LargeBinary(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("resolved_at", app.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.Column("created_at", app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_review_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["stakeholder_groups.id"],
            name=op.f("fk_review_comments_group_id_stakeholder_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["review_comments.id"],
            name=op.f("fk_review_comments_parent_id_review_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_review_comments_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_review_comments_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
        sa.UniqueConstraint("uid", name=op.f("uq_review_comments_uid")),
    )
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_comments_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_comments_section_id"), ["section_id"], unique=False
        )

    op.create_table(
        "review_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_body", sa.Text(), nullable=False),
        sa.Column("released_status", sa.String(length=16), nullable=True),
        sa.Column("released_at", app.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_review_feedback_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["users.id"],
            name=op.f("fk_review_feedback_released_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_review_feedback_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_feedback")),
        sa.UniqueConstraint("section_id", name=op.f("uq_review_feedback_section_id")),
    )
    op.create_table(
        "review_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("anchor_start", sa.LargeBinary(), nullable=False),
        sa.Column("anchor_end", sa.LargeBinary(), nullable=False),
        sa.Column("deleted_text", sa.Text(), nullable=False),
        sa.Column("inserted_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_review_suggestions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_review_suggestions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_review_suggestions_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_suggestions")),
        sa.UniqueConstraint("uid", name=op.f("uq_review_suggestions_uid")),
    )
    with op.batch_alter_table("review_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_suggestions_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_suggestions_section_id"), ["section_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_review_suggestions_status"), ["status"], unique=False)

    op.create_table(
        "review_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("suggestion_id", sa.Integer(), nullable=True),
        sa.Column("read_at", app.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_review_notifications_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["review_comments.id"],
            name=op.f("fk_review_notifications_comment_id_review_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_review_notifications_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_review_notifications_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["review_suggestions.id"],
            name=op.f("fk_review_notifications_suggestion_id_review_suggestions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notifications")),
    )
    with op.batch_alter_table("review_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_notifications_inbox", ["user_id", "edition_id", "read_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("review_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_review_notifications_inbox")

    op.drop_table("review_notifications")
    with op.batch_alter_table("review_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_suggestions_status"))
        batch_op.drop_index(batch_op.f("ix_review_suggestions_section_id"))
        batch_op.drop_index(batch_op.f("ix_review_suggestions_author_id"))

    op.drop_table("review_suggestions")
    op.drop_table("review_feedback")
    with op.batch_alter_table("review_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_comments_section_id"))
        batch_op.drop_index(batch_op.f("ix_review_comments_parent_id"))

    op.drop_table("review_comments")
