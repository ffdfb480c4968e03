"""The book-number index in the lookup's order (book, newest confirmation first): the
search is one index scan with its LIMIT, and a plan made without statistics (right after a
bulk load) can no longer prefer walking the confirmation-date index through the table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("central", "0003_events"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="centralclosure", name="central_book_idx"),
        migrations.AddIndex(
            model_name="centralclosure",
            index=models.Index(
                fields=["book_number", "-confirmed_on", "reference", "-version"],
                name="central_book_idx",
            ),
        ),
    ]
