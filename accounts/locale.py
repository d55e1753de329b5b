"""The signed-in user's language and time zone, for every page they load (docs/i18n.md).

Django's LocaleMiddleware has already picked a language from the request (Accept-Language,
else LANGUAGE_CODE); a user who chose one on the account page gets theirs instead, on
every device, and pages and forms show times in their zone. One indexed read a request,
for signed-in users only.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin

from accounts.models import AccountSettings


def choices_for(user_id: int) -> tuple[str, str]:
    """The user's (language, time zone) codes, "" for each they left to the site / browser."""
    rows = AccountSettings.objects.filter(user_id=user_id).values_list("language", "time_zone")
    return rows.first() or ("", "")


def language_or_default(code: str) -> str:
    """`code` if the site speaks it, else LANGUAGE_CODE: for what has no request (emails,
    Web Push), where Accept-Language cannot stand in."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone `name`, None for "" or a name this system no longer knows."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class UserLocaleMiddleware(MiddlewareMixin):
    """After AuthenticationMiddleware: activate the user's language and zone, if set."""

    def process_request(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            timezone.deactivate()
            return
        language, zone_name = choices_for(user.pk)
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        tz = zone(zone_name)
        if tz is None:
            timezone.deactivate()
        else:
            timezone.activate(tz)
        # The zone the page is rendered in; the page hands it to the browser's formatting.
        request.time_zone = zone_name if tz else ""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # Threads are reused: the next request must not inherit this user's zone.
        timezone.deactivate()
        return response
