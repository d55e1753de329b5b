from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

import live
from notifications import services
from notifications.models import Level


class Command(BaseCommand):
    help = "Send one notification to a user, as any producer would."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("text")
        parser.add_argument("--level", default=Level.INFO, choices=Level.values)
        parser.add_argument("--link", default="")
        parser.add_argument("--source-id", default=None, help="idempotency key")
        parser.add_argument("--group", default="", help="thread key, e.g. upload:42")

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no user named {options['username']!r}") from None
        try:
            message = services.notify(
                user,
                options["text"],
                level=options["level"],
                link=options["link"],
                source_id=options["source_id"],
                group=options["group"],
            )
        except services.InvalidNotification as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(message.pk))
        # An in-process layer ends with this process: the server's tabs hear nothing.
        if live.is_process_local():
            self.stderr.write(
                "saved; not pushed live: this process has no shared channel layer (REDIS_URL)"
            )
