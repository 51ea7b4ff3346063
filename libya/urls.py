"""URLs: the API under /api/v1/, the admin at DJANGO_ADMIN_PATH (with the doctor's page),
and /healthz."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from libya.desk.admin.doctor import doctor_view
from libya.desk.views import favicon, healthz

urlpatterns = [
    path("api/v1/", include("libya.desk.api.urls")),
    # Before the admin's own URLs, under its login: the doctor is a page, not a model.
    path(
        f"{settings.ADMIN_PATH}desk/doctor/",
        admin.site.admin_view(doctor_view),
        name="desk_doctor",
    ),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]

# JSON error bodies under /api/, Django's pages elsewhere; 503/504 for database faults.
handler404 = "libya.desk.api.errors.not_found"
handler500 = "libya.desk.api.errors.server_error"
