"""HTTP routes only; each app brings its own."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from notifications.views_metrics import metrics

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("notifications.api_urls")),
    path("uploads/", include("uploads.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),
]
