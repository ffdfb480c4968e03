"""Monthly range partitions of the tables that grow with time (PostgreSQL only).

Which tables, by which column, and why: ``docs/scaling.md`` ("Partitioned tables").
:mod:`.schema` converts a plain table (a migration's step), :mod:`.services` keeps the
months ahead, lists, detaches and archives; SQLite (the embedded default) keeps plain tables
and every function here is a no-op there.
"""
