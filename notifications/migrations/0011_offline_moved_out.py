"""Web Push and the email digest moved to their own app (offline/).

`pushed_at` leaves the hot table and `EmailedMessage` goes: what each channel took is
now one table of that app, which copies both over before this runs (its migration runs
before this one, and back after it). `PushSubscription` moves with its table: out of
this app's state only.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0010_snooze"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PushSubscription")],
            database_operations=[],
        ),
        migrations.DeleteModel(name="EmailedMessage"),
        # A plain nullable column named by no trigger or index: SQLite drops it in place
        # (ALTER TABLE ... DROP COLUMN), so the counter's triggers stay. Backwards it comes
        # back empty, and offline 0002 fills it again.
        migrations.RemoveField(model_name="message", name="pushed_at"),
    ]
