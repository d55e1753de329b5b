"""What Web Push and the digest took before this app, carried into `Taken` (and back).

Forwards: each `Message.pushed_at` becomes a push row, each `EmailedMessage` an email
row, so nothing already sent is sent again; notifications 0011 then drops the column and
the table (`run_before`: notifications' migrations never name this app). Backwards, after
0011 is undone: the rows go back to the column and the table. One INSERT ... SELECT or
UPDATE each, in SQL PostgreSQL and SQLite both run, built from the historical models.
"""

from django.db import migrations


def _names(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    message = apps.get_model("notifications", "Message")._meta
    emailed = apps.get_model("notifications", "EmailedMessage")._meta
    taken = apps.get_model("offline", "Taken")._meta
    return {
        "message": quote(message.db_table),
        "pushed_at": quote(message.get_field("pushed_at").column),
        "id": quote(message.pk.column),
        "emailed": quote(emailed.db_table),
        "emailed_message": quote(emailed.get_field("message").column),
        "emailed_at": quote(emailed.get_field("emailed_at").column),
        "taken": quote(taken.db_table),
        "taken_message": quote(taken.get_field("message").column),
        "channel": quote(taken.get_field("channel").column),
        "taken_at": quote(taken.get_field("taken_at").column),
    }


def carry(apps, schema_editor):
    n = _names(apps, schema_editor)
    columns = f"({n['taken_message']}, {n['channel']}, {n['taken_at']})"
    schema_editor.execute(
        f"INSERT INTO {n['taken']} {columns} "
        f"SELECT {n['id']}, 'push', {n['pushed_at']} FROM {n['message']} "
        f"WHERE {n['pushed_at']} IS NOT NULL"
    )
    schema_editor.execute(
        f"INSERT INTO {n['taken']} {columns} "
        f"SELECT {n['emailed_message']}, 'email', {n['emailed_at']} FROM {n['emailed']}"
    )


def carry_back(apps, schema_editor):
    n = _names(apps, schema_editor)
    pushed = f"SELECT {n['taken_message']} FROM {n['taken']} WHERE {n['channel']} = 'push'"
    schema_editor.execute(
        f"UPDATE {n['message']} SET {n['pushed_at']} = ("
        f"SELECT {n['taken_at']} FROM {n['taken']} "
        f"WHERE {n['taken_message']} = {n['message']}.{n['id']} AND {n['channel']} = 'push'"
        f") WHERE {n['id']} IN ({pushed})"
    )
    schema_editor.execute(
        f"INSERT INTO {n['emailed']} ({n['emailed_message']}, {n['emailed_at']}) "
        f"SELECT {n['taken_message']}, {n['taken_at']} FROM {n['taken']} "
        f"WHERE {n['channel']} = 'email'"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("offline", "0001_initial"),
        ("notifications", "0010_snooze"),
    ]
    run_before = [("notifications", "0011_offline_moved_out")]

    operations = [migrations.RunPython(carry, carry_back)]
