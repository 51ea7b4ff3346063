"""The naive peer: the same models through a tutorial-style DRF API.

ModelViewSet + ModelSerializer + PageNumberPagination, filters read from the
query string in ``get_queryset`` as DRF's "Filtering against query parameters"
shows, nested names through ``source=``. Nothing here was tuned; that is the point.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity
from django.db.models import F
from django.urls import include, path
from rest_framework import pagination, permissions, routers, serializers, viewsets

from libya.desk.models import Actor, Article, Claim


class Pagination(pagination.PageNumberPagination):
    page_size = 20


class ClaimSerializer(serializers.ModelSerializer):
    article_title = serializers.CharField(source="article.title")
    speaker_name = serializers.CharField(source="speaker.name", default=None)

    class Meta:
        model = Claim
        fields = ["id", "text", "kind", "status", "speaker", "speaker_name", "article"]
        fields += ["article_title", "event", "subjects", "said_on", "said_precision"]
        fields += ["span_start", "span_end", "updated_at"]


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "slug", "title", "publisher", "agency", "language", "published_on"]
        fields += ["published_precision", "source", "url", "updated_at"]


class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "mentioned_actors"]


class ActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actor
        fields = ["id", "slug", "name", "kind", "description", "country", "updated_at"]


class ClaimViewSet(viewsets.ModelViewSet):
    serializer_class = ClaimSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    def get_queryset(self):
        return Claim.objects.exclude(status="retracted").order_by(F("said_on").desc(), "-id")


class ArticleViewSet(viewsets.ModelViewSet):
    lookup_field = "slug"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def get_queryset(self):
        queryset = Article.objects.order_by("-published_on", "slug")
        params = self.request.query_params
        if params.get("publisher"):
            queryset = queryset.filter(publisher__slug=params["publisher"])
        if params.get("published_after"):
            queryset = queryset.filter(published_on__gte=params["published_after"])
        if params.get("published_before"):
            queryset = queryset.filter(published_on__lte=params["published_before"])
        if params.get("search"):
            query = SearchQuery(params["search"], config="french", search_type="websearch")
            queryset = (
                queryset.filter(search_vector=query)
                .annotate(rank=SearchRank(F("search_vector"), query))
                .order_by("-rank", "-published_on", "slug")
            )
        return queryset


class ActorViewSet(viewsets.ModelViewSet):
    serializer_class = ActorSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    def get_queryset(self):
        queryset = Actor.objects.order_by("name", "slug")
        term = self.request.query_params.get("search")
        if term:
            queryset = (
                queryset.annotate(similarity=TrigramSimilarity("aliases__name", term))
                .filter(similarity__gt=0.3)
                .order_by("-similarity", "name", "slug")
            )
        return queryset


router = routers.DefaultRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("articles", ArticleViewSet, basename="article")
router.register("actors", ActorViewSet, basename="actor")

urlpatterns = [path("naive/", include(router.urls))]
