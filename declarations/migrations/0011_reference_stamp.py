"""The reference tables' stamp kept by triggers, instead of a digest of their rows.

Every dossier asked PostgreSQL for an md5 of the five tables' contents (about 0.4 ms of the
server's time per dossier); a statement-level trigger on each table now writes a new random
stamp in the transaction that changes it, and every dossier reads one row.
"""

from django.db import migrations, models

TABLES = [
    "declarations_contributionrate",
    "declarations_basesalary",
    "declarations_regionalminimumwage",
    "declarations_proceduretimelimit",
    "declarations_publicholiday",
]
FUNCTION = "declarations_reference_stamp_renew"
# An upsert: the row comes back after a flush that emptied its table.
RENEW = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO declarations_referencestamp (id, stamp)
  VALUES (1, md5(txid_current()::text || clock_timestamp()::text || random()::text))
  ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
  RETURN NULL;
END $$
"""


def triggers_on(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(RENEW.format(function=FUNCTION))
        for table in TABLES:
            cursor.execute(
                "CREATE TRIGGER reference_stamp_renew"
                f' AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"'
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        cursor.execute(
            "INSERT INTO declarations_referencestamp (id, stamp) VALUES (1, md5(random()::text))"
        )


def triggers_off(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'DROP TRIGGER IF EXISTS reference_stamp_renew ON "{table}"')
        cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("declarations", "0010_lz4_blobs")]

    operations = [
        migrations.CreateModel(
            name="ReferenceStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(triggers_on, triggers_off),
    ]
