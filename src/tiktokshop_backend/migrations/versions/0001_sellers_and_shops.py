"""Sellers and their shops: the schema the backend had before migrations.

A SQLite file written before migrations already has these tables, exactly
as here: it is adopted as it is (only the version row is added).

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("sellers"):
        return
    op.create_table(
        "sellers",
        sa.Column("open_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        # Fernet tokens (TokenCipher): never the tokens themselves.
        sa.Column("access_token", sa.LargeBinary, nullable=False),
        sa.Column("access_expire_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_token", sa.LargeBinary, nullable=False),
        sa.Column("refresh_expire_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "shops",
        sa.Column("shop_id", sa.Text, primary_key=True),
        sa.Column("open_id", sa.Text, sa.ForeignKey("sellers.open_id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("cipher", sa.Text, nullable=False),
    )
    op.create_index("shops_by_seller", "shops", ["open_id", "position"])

