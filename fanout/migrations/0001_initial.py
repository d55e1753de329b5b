"""FanOutJob moved here from notifications/ with its table and rows: the state only
(notifications 0012 takes it out of that app's state; no table is touched)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("notifications", "0011_offline_moved_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FanOutJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("text", models.CharField(max_length=1000)),
                        (
                            "level",
                            models.CharField(
                                choices=[
                                    ("info", "Info"),
                                    ("success", "Success"),
                                    ("warning", "Warning"),
                                    ("error", "Error"),
                                ],
                                default="info",
                                max_length=7,
                            ),
                        ),
                        ("link", models.CharField(blank=True, default="", max_length=500)),
                        ("source_id", models.CharField(blank=True, max_length=255, null=True)),
                        ("targets", models.JSONField()),
                        ("recipients", models.PositiveIntegerField()),
                        ("processed", models.PositiveIntegerField(default=0)),
                        ("created", models.PositiveIntegerField(default=0)),
                        ("after", models.BigIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"db_table": "notifications_fanoutjob"},
                ),
            ],
            database_operations=[],
        ),
    ]
