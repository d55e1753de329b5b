from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts import account as account_services
from accounts.forms import EmailForm, SettingsForm, SignUpForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Email (confirmed by a link), language and time zone; the password has its own page."""
    row = account_services.settings_for(request.user)
    email_form = EmailForm(prefix="email")
    settings_form = SettingsForm(
        prefix="settings", initial={"language": row.language, "time_zone": row.time_zone}
    )
    if request.method == "POST" and request.POST.get("form") == "email":
        email_form = EmailForm(request.POST, prefix="email")
        if email_form.is_valid():
            address = email_form.cleaned_data["email"]
            account_services.request_email_change(user=request.user, email=address)
            messages.success(
                request,
                gettext("We sent a confirmation link to %(address)s.") % {"address": address},
            )
            return redirect("account")
    elif request.method == "POST":
        settings_form = SettingsForm(request.POST, prefix="settings")
        if settings_form.is_valid():
            row = account_services.update_settings(user=request.user, **settings_form.cleaned_data)
            # The confirmation already in the language just chosen, as the next page is.
            translation.activate(row.language or translation.get_language_from_request(request))
            messages.success(request, gettext("Settings saved."))
            return redirect("account")
    return render(
        request,
        "registration/account.html",
        {"email_form": email_form, "settings_form": settings_form},
    )


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation button (mail scanners only GET); POST: store the address."""
    if request.method == "POST":
        user = account_services.confirm_email(token)
        if user is None:
            return render(request, "registration/email_confirm.html", {"invalid": True}, status=400)
        return render(request, "registration/email_confirm.html", {"done": user.email})
    return render(request, "registration/email_confirm.html", {"token": token})


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, gettext("Password changed."))
        return super().form_valid(form)
