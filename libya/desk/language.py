"""The admin's locale: French by default, English (or any of LANGUAGES) per editor and
remembered across logins; times shown in the editors' time zone (DESK_TIME_ZONE).

Django's LocaleMiddleware would follow the browser's Accept-Language: the desk is
French first whatever the browser says, and an editor's choice is stored on their
account (EditorPreference), copied into the session at login so that reading it
costs no query per request.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

SESSION_KEY = "desk_language"


class EditorLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_PATH

    def __call__(self, request: HttpRequest):
        if not request.path.startswith(self.admin_prefix):
            return self.get_response(request)  # the API keeps UTC and the default language
        chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        with translation.override(chosen), timezone.override(settings.DESK_TIME_ZONE):
            request.LANGUAGE_CODE = chosen
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", chosen)
            return response


@receiver(user_logged_in)
def remember_language(sender, request: HttpRequest, user, **kwargs) -> None:
    from libya.desk.models.preferences import EditorPreference

    if request is None or not hasattr(request, "session"):
        return
    preference = EditorPreference.objects.filter(user=user).first()
    request.session[SESSION_KEY] = preference.language if preference else settings.LANGUAGE_CODE


@require_POST
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """Store the editor's language on their account and in this session; back to `next`."""
    from libya.desk.models.preferences import EditorPreference

    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES):
        EditorPreference.objects.update_or_create(
            user=request.user, defaults={"language": language}
        )
        request.session[SESSION_KEY] = language
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if safe else reverse("admin:index"))
