"""Authentication by API key: ``Authorization: Api-Key <prefix>.<secret>``.

djangorestframework-api-key ships permission classes that say only whether *a* key
is valid; the desk needs to know *whose* key it is, so that the key's user's model
permissions decide what it may write and history names that user. This class is the
small piece the library leaves to its users.
"""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from libya.desk.models import DeskAPIKey

# Writing last_used_at on every request would turn each read into a write; once a
# minute is as precise as the admin column needs.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = KeyParser.keyword
    parser = KeyParser()

    def authenticate(self, request: Request):
        key = self.parser.get(request._request)
        if key is None:
            return None  # no Api-Key header: anonymous, read-only
        api_key = self.usable_key(key)
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed("The API key's user is inactive.")
        touch(api_key)
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403 to a request
        # without credentials.
        return self.keyword

    @staticmethod
    def usable_key(key: str) -> DeskAPIKey:
        try:
            api_key = DeskAPIKey.objects.get_from_key(key)
        except DeskAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("The API key has expired.")
        return api_key


def touch(api_key: DeskAPIKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        DeskAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


class EditorsWrite(permissions.DjangoModelPermissions):
    """Anyone reads; a write needs a key whose user holds the model's add/change/delete right.

    DRF's ``DjangoModelPermissionsOrAnonReadOnly`` asks every view for a queryset even to
    read; views without one (the schema, health checks) only ever read.
    """

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)
