"""The preferences page and the email unsubscribe link (docs/inbox.md, "Preferences").

Plain HTML forms (CSRF protected), so the page works without JavaScript. The
unsubscribe link needs no login: its signed token names the user.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import digest, preferences
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
            "email_delay": digest.delay_text(),
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


@csrf_exempt  # the signed token is the credential; mail clients POST without cookies
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page (link scanners only GET). POST: unsubscribe (RFC 8058)."""
    user_id = digest.user_for_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(
            request, "notifications/email/unsubscribe.html", {"invalid": True}, status=404
        )
    if request.method == "POST":
        preferences.update_preferences(user=user, changes={"email": False})
    return render(
        request,
        "notifications/email/unsubscribe.html",
        {"done": request.method == "POST", "token": token},
    )
