"""Alembic's entry for the token store's migrations: run on the connection it is handed.

    python -m tiktokshop_backend migrate      # what runs these (and a SQLite file at start)

``_database.upgrade`` hands Alembic an open connection inside its own
transaction (``config.attributes["connection"]``), so a migration and its
version row commit together or not at all. A new revision is a file in
``versions/`` like 0001's, whose ``down_revision`` is the previous head.
"""

from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():  # inside the caller's transaction: adds none of its own
    context.run_migrations()
