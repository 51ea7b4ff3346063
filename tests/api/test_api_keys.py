"""API keys: created for a user by command or admin, checked on every request, revocable."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from libya.desk.models import DeskAPIKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMIN = f"/{settings.ADMIN_PATH}"


def create_key(username: str, label: str = "feed") -> str:
    out = StringIO()
    call_command(
        "apikey", "create", "--user", username, "--name", label, stdout=out, stderr=StringIO()
    )
    return out.getvalue().strip().splitlines()[-1]


def test_create_prints_the_key_on_its_last_line_and_stores_only_its_hash():
    user = UserFactory(username="feeder", editor=True)
    key = create_key("feeder")
    api_key = DeskAPIKey.objects.get(user=user)
    prefix, _, secret = key.partition(".")
    assert api_key.prefix == prefix
    assert api_key.name == "feed"
    assert secret
    assert secret not in api_key.hashed_key
    assert DeskAPIKey.objects.is_valid(key)


def test_create_for_an_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("apikey", "create", "--user", "nobody", "--name", "x", stdout=StringIO())


def test_revoke_by_prefix_refuses_the_key(api_client):
    UserFactory(username="feeder", editor=True)
    key = create_key("feeder")
    assert api_client.get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    call_command("apikey", "revoke", key.partition(".")[0], stdout=StringIO())
    response = api_client.get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked API key."
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_wrong_secret_is_refused_with_json(api_client):
    UserFactory(username="feeder", editor=True)
    prefix = create_key("feeder").partition(".")[0]
    response = api_client.get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Api-Key {prefix}.wrong")
    assert response.status_code == 401
    assert response.json() == {"status": 401, "detail": "Unknown or revoked API key."}


def test_use_is_recorded_once_a_minute(api_client):
    UserFactory(username="feeder", editor=True)
    key = create_key("feeder")
    api_key = DeskAPIKey.objects.get()
    assert api_key.last_used_at is None
    api_client.get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    api_key.refresh_from_db()
    first_use = api_key.last_used_at
    assert first_use is not None
    api_client.get("/api/v1/actors/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use


def test_list_shows_user_state_and_last_use():
    UserFactory(username="feeder", editor=True)
    prefix = create_key("feeder", "monitor").partition(".")[0]
    out = StringIO()
    call_command("apikey", "list", stdout=out)
    assert out.getvalue().split() == [prefix, "feeder", "monitor", "active", "never"]


def test_admin_lists_keys_with_user_and_last_use(admin_client):
    UserFactory(username="feeder", editor=True)
    prefix = create_key("feeder", "monitor").partition(".")[0]
    response = admin_client.get(f"{ADMIN}desk/deskapikey/")
    assert response.status_code == 200
    page = response.content.decode()
    assert prefix in page
    assert "feeder" in page
    assert "monitor" in page


def test_admin_creates_a_key_and_shows_it_once(admin_client):
    user = UserFactory(username="feeder", editor=True)
    response = admin_client.post(
        f"{ADMIN}desk/deskapikey/add/", {"name": "scraper", "user": user.pk}, follow=True
    )
    assert response.status_code == 200
    api_key = DeskAPIKey.objects.get(name="scraper")
    shown = [str(m) for m in response.context["messages"]]
    assert any(api_key.prefix in message for message in shown)
