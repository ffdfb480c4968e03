"""Signed envelopes and forms compressed with LZ4 instead of PostgreSQL's default pglz.

Every dossier writes its envelope and its forms (tens of kB each); compressing them with
pglz was the largest single cost of the intake transaction on the database side, LZ4 takes
about a quarter of that. Only new values use it; a server built without LZ4 keeps pglz.
"""

from django.db import migrations

COLUMNS = [("declarations_dossier", "envelope"), ("declarations_dossierfile", "content")]


def _compression_set(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int >= 140000")
        if not cursor.fetchone()[0]:
            return
        for table, column in COLUMNS:
            cursor.execute("SAVEPOINT compression")
            try:
                cursor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION {method}'
                )
            except Exception:  # noqa: BLE001  (built without LZ4: pglz stays)
                cursor.execute("ROLLBACK TO SAVEPOINT compression")
            else:
                cursor.execute("RELEASE SAVEPOINT compression")


def lz4_on(apps, schema_editor):
    _compression_set(schema_editor, "lz4")


def lz4_off(apps, schema_editor):
    _compression_set(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("declarations", "0009_merge_0008_dossier_file_position_0008_review")]

    operations = [migrations.RunPython(lz4_on, lz4_off)]
