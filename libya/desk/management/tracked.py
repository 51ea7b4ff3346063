"""Management commands that write curated rows, labelled in their history rows."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError

from libya.desk.history import command_context


class TrackedCommand(BaseCommand):
    """A command whose writes carry its name, and with ``--user`` an editor, in history."""

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record this user in history as the author of the changes.",
        )

    def execute(self, *args, **options):
        user = acting_user(options.get("user"))
        with command_context(self.__module__.rsplit(".", 1)[-1], user):
            return super().execute(*args, **options)


def acting_user(username: str | None) -> AbstractBaseUser | None:
    """The user named on the command line, or None when none was named."""
    if not username:
        return None
    User = get_user_model()
    try:
        return User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        raise CommandError(f"No user named {username!r}.") from None
