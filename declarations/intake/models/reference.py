"""The stamp of the reference tables, kept by the database itself."""

from django.db import models


class ReferenceStamp(models.Model):
    """One row: a new random ``stamp`` whenever the money tables, the procedure time limits
    or the working calendar change, written by PostgreSQL triggers in the changing
    transaction (admin, migration, raw SQL alike). Processes cache the tables under it
    (:mod:`declarations.intake.reference`)."""

    stamp = models.CharField(max_length=64)

    class Meta:
        db_table = "declarations_referencestamp"  # the table from before the split

    def __str__(self):
        return self.stamp
