from django.db import migrations

from notifications import counters


def install(apps, schema_editor):
    # PostgreSQL: statement-level triggers replace the row-level one (O(rows changed) per
    # statement instead of O(n^2)); every counter recounted. SQLite: the same triggers.
    counters.install(schema_editor, unread=counters.UNREAD_BEFORE_SNOOZE)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_message_archived_at"),
    ]

    operations = [
        # Backwards too: the triggers as this code builds them count the same rows.
        migrations.RunPython(install, install),
    ]
