"""The email unsubscribe link (docs/inbox.md, "Preferences"); the preferences page itself
is the inbox's (inbox/views_preferences.py).

The link needs no login: its signed token names the user.
"""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import digest, preferences


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
