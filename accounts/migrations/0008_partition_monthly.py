"""Audit entries partitioned by month of ``at`` (PostgreSQL only; docs/scaling.md says why).

``seq`` is unique per month (the month appended to its index, which the chain check walks in
order across the partitions): the chain itself proves it unique over all months
(``accounts.audit.verify_chain`` stops at a repeated or missing place). ``hash`` stays unique
over all months in a guard table (``accounts_auditentry_hash``, unique index
``audit_hash_uniq``) that a trigger fills when the sealer writes the hash.
"""

from django.db import migrations

from core.partitions.schema import DROP, PER_PARTITION, table_partition_operation
from core.partitions.tables import AUDIT

UNDO = """
DROP TABLE IF EXISTS accounts_auditentry_hash;
DROP FUNCTION IF EXISTS accounts_auditentry_guard() CASCADE;
DROP FUNCTION IF EXISTS accounts_auditentry_guard_truncate() CASCADE;
"""

GUARD = """
CREATE TABLE accounts_auditentry_hash (
    hash varchar(64) NOT NULL,
    CONSTRAINT audit_hash_uniq PRIMARY KEY (hash)
);
INSERT INTO accounts_auditentry_hash
    SELECT hash FROM accounts_auditentry WHERE hash IS NOT NULL;

CREATE FUNCTION accounts_auditentry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Rows moved between partitions by core.partitions (its MOVING) keep their guard rows.
    IF current_setting('bhxh.partition_move', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.hash IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.hash IS DISTINCT FROM OLD.hash) THEN
        DELETE FROM accounts_auditentry_hash WHERE hash = OLD.hash;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hash IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.hash IS DISTINCT FROM OLD.hash) THEN
        INSERT INTO accounts_auditentry_hash VALUES (NEW.hash);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_hash_guard AFTER INSERT OR DELETE OR UPDATE OF hash
    ON accounts_auditentry FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_guard();

CREATE FUNCTION accounts_auditentry_guard_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE accounts_auditentry_hash;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_hash_guard_truncate AFTER TRUNCATE ON accounts_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_guard_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_application_connectors")]

    operations = [
        table_partition_operation(
            AUDIT,
            uniques={("seq",): PER_PARTITION, ("hash",): DROP},  # hash: the guard table
            sql_after=GUARD,
            model=("accounts", "AuditEntry"),
            sql_undo=UNDO,
        ),
    ]
