"""What a PostgreSQL alias needs behind PgBouncer in transaction mode (``DATABASE_POOLER``).

Each transaction may run on another server connection, and the server connection a client
just used may serve another client next: nothing of a session may be relied on between two
transactions. ``QuerySet.iterator()`` outside a transaction declares a ``WITH HOLD`` cursor
and fetches from it in later transactions: Django's ``DISABLE_SERVER_SIDE_CURSORS`` makes it
fetch in chunks from the client side instead. Session settings the portal changes are
``SET LOCAL`` (end with the transaction); it takes no session advisory locks, LISTENs to
nothing and makes no temporary tables; Django's time zone ``set_config`` at connect is a
parameter PgBouncer tracks and replays per client.

Prepared statements, by what the pooler can do:

* ``pgbouncer`` — any PgBouncer (1.18, Debian 12's, included): it keeps no prepared
  statements across clients, so psycopg must not name any: ``prepare_threshold`` None (each
  query is still bound server-side, as an unnamed statement inside its own
  Parse/Bind/Execute/Sync), and every query is parsed and planned again.
* ``pgbouncer-prepared`` — PgBouncer 1.22 or later with ``max_prepared_statements`` > 0
  (deploy/pgbouncer): it tracks protocol-level prepared statements per client and prepares
  them on whichever server connection serves the next transaction, so psycopg keeps its
  own (parsed and planned once per server connection). psycopg must then drop its
  statements with the protocol's Close message, never ``DEALLOCATE name`` (which PgBouncer
  refuses): that needs its libpq from PostgreSQL 17 or later, checked here.
"""

from django.core.exceptions import ImproperlyConfigured

POOLERS = ("pgbouncer", "pgbouncer-prepared")
LIBPQ_FOR_PREPARED = 170000


def transaction_pooling(db: dict, pooler: str = "pgbouncer") -> dict:
    """Adjust one ``DATABASES`` entry (PostgreSQL) for a transaction-mode ``pooler``."""
    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER must be one of {', '.join(POOLERS)}")
    if pooler == "pgbouncer-prepared":
        from portal.settings.pg import libpq_version

        if (found := libpq_version()) < LIBPQ_FOR_PREPARED:
            raise ImproperlyConfigured(
                "DATABASE_POOLER=pgbouncer-prepared needs psycopg with libpq 17 or later "
                f"(this one has {found}): use DATABASE_POOLER=pgbouncer"
            )
    else:
        db.setdefault("OPTIONS", {})["prepare_threshold"] = None
    db["DISABLE_SERVER_SIDE_CURSORS"] = True
    return db
