from django.urls import path

from uploads import views

app_name = "uploads"

urlpatterns = [
    path("", views.file_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("direct/", views.direct_start, name="direct_start"),
    path("direct/complete/", views.direct_complete, name="direct_complete"),
    path("<int:file_id>/", views.detail, name="detail"),
    path("<int:file_id>/row/", views.row, name="row"),
    path("<int:file_id>/download/", views.download, name="download"),
]
