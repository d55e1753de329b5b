"""The preferences page (docs/inbox.md, "Preferences"): levels, email, do not disturb.

Plain HTML forms (CSRF protected), so the page works without JavaScript.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from notifications import preferences
from notifications.models import Level


@require_http_methods(["GET", "POST"])
@login_required
def page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # An unticked checkbox is absent from the form: every level is set either way.
        changes = {
            "toast": {lv: f"toast_{lv}" in request.POST for lv in preferences.LEVELS},
            "webpush": {lv: f"webpush_{lv}" in request.POST for lv in preferences.LEVELS},
            "email": "email" in request.POST,
        }
        preferences.update_preferences(user=request.user, changes=changes)
        messages.success(request, gettext("Preferences saved."))
        return redirect("notifications:preferences")
    snapshot = preferences.snapshot_for(request.user.pk)
    now = timezone.now()
    return render(
        request,
        "notifications/preferences.html",
        {
            "levels": [
                {
                    "value": value,
                    "label": label,
                    "toast": value in snapshot.toast_levels,
                    "webpush": value in snapshot.webpush_levels,
                }
                for value, label in Level.choices
            ],
            "snapshot": snapshot,
            "quiet": snapshot.is_quiet(now),
            "has_email": bool(request.user.email),
            "email_delay": preferences.email_delay_text(),
            # Without VAPID keys nothing is ever sent by Web Push: no column for it.
            "webpush": bool(settings.WEBPUSH_VAPID_PUBLIC_KEY),
        },
    )


@require_POST
@login_required
def quiet(request: HttpRequest) -> HttpResponse:
    try:
        snapshot = preferences.set_quiet(
            user=request.user,
            choice=request.POST.get("for", ""),
            # Without JavaScript no zone is sent: the one on the account page, if any.
            tz=request.POST.get("tz", "")[:100] or getattr(request, "time_zone", ""),
        )
    except preferences.InvalidPreferences as exc:
        return HttpResponseBadRequest(str(exc))
    if snapshot.quiet_until:
        messages.success(request, gettext("Do not disturb is on."))
    else:
        messages.success(request, gettext("Do not disturb is off."))
    return redirect("notifications:preferences")
