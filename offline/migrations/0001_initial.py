import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("notifications", "0010_snooze"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Moved from notifications/ with its table and rows: the state only
        # (notifications 0011 takes it out of that app's state, no table is touched).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PushSubscription",
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
                        ("endpoint", models.URLField(max_length=1000, unique=True)),
                        ("p256dh", models.CharField(max_length=100)),
                        ("auth", models.CharField(max_length=50)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_error", models.CharField(blank=True, default="", max_length=500)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="push_subscriptions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "notifications_pushsubscription"},
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="Taken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("push", "Web Push"), ("email", "Email")], max_length=5
                    ),
                ),
                ("taken_at", models.DateTimeField()),
                (
                    "message",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="notifications.message",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("message", "channel"), name="taken_once_per_channel"
                    )
                ],
            },
        ),
    ]
