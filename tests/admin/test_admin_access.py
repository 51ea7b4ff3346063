"""Who gets in: the Editors group, the dev editor account, brute-force protection."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse


@pytest.mark.django_db
def test_editors_group_has_rights_on_desk_models_only():
    perms = Group.objects.get(name="Editors").permissions.select_related("content_type")
    # Besides the desk, editors may only watch the job queue.
    queue = {p.codename for p in perms if p.content_type.app_label == "procrastinate"}
    assert queue == {"view_procrastinatejob", "view_procrastinateevent", "view_procrastinateworker"}
    assert {p.content_type.app_label for p in perms} == {"desk", "procrastinate"}
    codenames = {p.codename for p in perms}
    assert {"change_claim", "delete_actor", "add_event", "view_deletion"} <= codenames
    assert "change_deletion" not in codenames


@pytest.mark.django_db
def test_editor_cannot_reach_users_or_groups(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.django_db
def test_ensure_dev_editor_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("ensure_dev_editor")


@pytest.mark.django_db
def test_ensure_dev_editor_keeps_one_password(settings, tmp_path, capsys, client):
    settings.DEBUG, settings.BASE_DIR = True, tmp_path

    call_command("ensure_dev_editor")
    call_command("ensure_dev_editor")

    password = (tmp_path / ".dev-editor-password").read_text().strip()
    out = capsys.readouterr().out
    assert out.count(f"Password:    {password}") == 2
    assert f"/{settings.ADMIN_PATH}" in out
    user = get_user_model().objects.get(username="editor")
    assert user.check_password(password)
    assert user.groups.filter(name="Editors").exists()
    assert (user.is_staff, user.is_superuser) == (True, False)


@pytest.mark.django_db
def test_admin_login_locks_out_after_repeated_failures(client, settings, django_user_model):
    settings.AXES_ENABLED = True
    django_user_model.objects.create_user("victim", password="right password 123", is_staff=True)
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "victim", "password": "wrong"})

    response = client.post(login, {"username": "victim", "password": "right password 123"})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_works_with_the_right_password(client, django_user_model):
    django_user_model.objects.create_user("fine", password="right password 123", is_staff=True)
    response = client.post(
        reverse("admin:login"), {"username": "fine", "password": "right password 123"}
    )
    assert response.status_code == HTTPStatus.FOUND
