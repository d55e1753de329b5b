"""The email digest's unsubscribe link (docs/inbox.md, "Email"): no login needed, its
signed token names the user. Web Push's endpoints are offline/webpush/views.py."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import preferences
from offline import digest


@csrf_exempt  # the signed token is the credential; mail clients POST without cookies
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page (link scanners only GET). POST: unsubscribe (RFC 8058)."""
    user_id = digest.user_for_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "offline/email/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        preferences.update_preferences(user=user, changes={"email": False})
    return render(
        request,
        "offline/email/unsubscribe.html",
        {"done": request.method == "POST", "token": token},
    )
