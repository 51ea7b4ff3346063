"""The public API, mounted at /api/v1/."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import routers

from libya.desk.api import errors, views

router = routers.DefaultRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("events", views.EventViewSet, basename="event")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("deletions", views.DeletionViewSet, basename="deletion")
router.register("aliases", views.AliasViewSet, basename="alias")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("claim-links", views.ClaimLinkViewSet, basename="claim-link")

# Swagger UI and Redoc inject <style> elements at run time, and Redoc builds its
# search worker from a blob: URL. Their scripts stay same-origin: the split Swagger
# view serves its start-up script as a file, and desk/redoc.html has no inline script.
docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="docs"),
    path(
        "redoc/",
        docs_csp(SpectacularRedocView.as_view(url_name="schema", template_name="desk/redoc.html")),
        name="redoc",
    ),
    path("", include(router.urls)),
    # Whatever the router does not match is a JSON 404 too, in development as in production.
    re_path(r"", errors.no_such_resource),
]
