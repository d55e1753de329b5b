import django_eventstream
from django.urls import include, path

from bench.peer import views

urlpatterns = [
    path("events/", include(django_eventstream.urls)),
    path("notify/", views.notify),
]
