"""The public API, mounted at /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import routers

from libya.desk.api import views

router = routers.DefaultRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("events", views.EventViewSet, basename="event")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("deletions", views.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="desk/redoc.html"),
        name="redoc",
    ),
    path("", include(router.urls)),
]
