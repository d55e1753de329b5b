from django.conf import settings
from django.db import migrations, models

from notifications import counters


def install(apps, schema_editor):
    # SQLite may rebuild the message table for the new columns, dropping its triggers.
    counters.install(schema_editor, unread=counters.UNREAD_BEFORE_SNOOZE)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0008_fanoutjob'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, install),
        migrations.AddField(
            model_name='message',
            name='group',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='message',
            name='actions',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='message',
            name='acted_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='acted',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('group', ''), _negated=True), fields=['group', 'recipient'], name='message_group_idx'),
        ),
        migrations.CreateModel(
            name='Follow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=100)),
                ('following', models.BooleanField(default=True)),
                ('muted', models.BooleanField(default=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.ForeignKey(on_delete=models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='follow_unique_user_key')],
                'indexes': [models.Index(fields=['key', 'user'], name='follow_key_idx')],
            },
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
