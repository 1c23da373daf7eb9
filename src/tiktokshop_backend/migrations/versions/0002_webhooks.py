"""TikTok's webhooks as received: the record that a delivery was taken, and its work's state.

A delivery is inserted here before the backend answers TikTok; the primary key on
``notification_id`` is what tells a duplicate from a new one (across processes and
machines). ``state`` is ``pending`` until its work is ``done``, or ``failed`` once
the attempts ran out; ``next_attempt_at`` is when a pending one may be taken again.
Done and failed rows are pruned 72 hours after they were received.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("notification_id", sa.Text, primary_key=True),
        sa.Column("type", sa.Integer, nullable=False),
        sa.Column("shop_id", sa.Text, nullable=False),
        # The body exactly as TikTok signed it (no secret in it: ids, statuses, times).
        sa.Column("body", sa.Text, nullable=False),
        # Where the seller's pages reconnect, as the receiving request's mount had it.
        sa.Column("connect_url", sa.Text, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        # The seller a deauthorization removed the shop from: a retry tells their pages.
        sa.Column("open_id", sa.Text, nullable=True),
    )
    op.create_index("webhooks_due", "webhooks", ["state", "next_attempt_at"])
    op.create_index("webhooks_by_age", "webhooks", ["received_at"])
