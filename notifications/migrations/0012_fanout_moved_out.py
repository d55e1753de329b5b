"""FanOutJob moved to its own app (fanout/) with its table: out of this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0011_offline_moved_out"),
        ("fanout", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FanOutJob")],
            database_operations=[],
        ),
    ]
