"""What a PostgreSQL alias needs behind PgBouncer in transaction mode (``DATABASE_POOLER``).

Each transaction may run on another server connection, and the server connection a client
just used may serve another client next: nothing of a session may be relied on between two
transactions. PgBouncer 1.18 (Debian 12) keeps no prepared statements across clients (the
protocol-level support came in 1.21), so psycopg must not name any: ``prepare_threshold``
None (each query is still bound server-side, as an unnamed statement inside its own
Parse/Bind/Execute/Sync). ``QuerySet.iterator()`` outside a transaction declares a ``WITH
HOLD`` cursor and fetches from it in later transactions: Django's
``DISABLE_SERVER_SIDE_CURSORS`` makes it fetch in chunks from the client side instead.
Session settings the portal changes are ``SET LOCAL`` (end with the transaction); it takes
no session advisory locks, LISTENs to nothing and makes no temporary tables; Django's time
zone ``set_config`` at connect is a parameter PgBouncer tracks and replays per client.
"""

POOLERS = ("pgbouncer",)


def transaction_pooling(db: dict) -> dict:
    """Adjust one ``DATABASES`` entry (PostgreSQL) for a transaction-mode pooler."""
    db.setdefault("OPTIONS", {})["prepare_threshold"] = None
    db["DISABLE_SERVER_SIDE_CURSORS"] = True
    return db
