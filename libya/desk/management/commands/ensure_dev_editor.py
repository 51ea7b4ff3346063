"""Create or update the development editor account and print how to log in."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

USERNAME = "editor"
PASSWORD_FILE = ".dev-editor-password"
GROUP = "Editors"


class Command(BaseCommand):
    help = "Development only (DEBUG): an 'editor' account in the Editors group; prints its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=USERNAME)

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_dev_editor only runs with DJANGO_DEBUG=true.")
        password = dev_password(Path(settings.BASE_DIR) / PASSWORD_FILE)
        user = ensure_editor(username, password)
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        self.stdout.write(f"  Admin login: http://{host}:{port}/{settings.ADMIN_PATH}")
        self.stdout.write(f"  User name:   {user.get_username()}")
        self.stdout.write(f"  Password:    {password}  (kept in {PASSWORD_FILE})")


def dev_password(path: Path) -> str:
    """The password stored in `path`, generated and written (owner-only) on first use."""
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    password = secrets.token_urlsafe(18)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def ensure_editor(username: str, password: str):
    """A staff (not superuser) account whose rights come from the Editors group only."""
    try:
        group = Group.objects.get(name=GROUP)
    except Group.DoesNotExist as exc:
        raise CommandError(f"The {GROUP} group is missing: run migrate first.") from exc
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff, user.is_active, user.is_superuser = True, True, False
    user.set_password(password)
    user.save()
    user.groups.add(group)
    return user
