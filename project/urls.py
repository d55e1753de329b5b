"""HTTP routes only; each app brings its own."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

import inbox.urls
import offline.urls
from inbox import views_data
from project.jsi18n import catalog
from project.metrics import metrics

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("accounts.urls")),
    # One namespace for the pages under /notifications/ ("notifications:inbox",
    # "notifications:push_key"...): the inbox's routes (inbox/urls.py), and Web Push's and
    # the email link's (offline/urls.py).
    path(
        "notifications/",
        include(([*inbox.urls.urlpatterns, *offline.urls.urlpatterns], "notifications")),
    ),
    path("api/", include("api.urls")),
    # A user's data (inbox/views_data.py); the account page links here.
    path("account/data/", views_data.page, name="account_data"),
    path("account/data/export/", views_data.export, name="account_data_export"),
    # Client frames of an event stream (project/asgi.py serves the stream itself).
    path("uploads/", include("uploads.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
    # The browser's translations (project/jsi18n.py, docs/i18n.md).
    path("jsi18n/<str:lang>/", catalog, name="jsi18n"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
]
