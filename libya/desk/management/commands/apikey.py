"""Create, list and revoke API keys: ``manage.py apikey create --user NAME --name LABEL``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from libya.desk.models import DeskAPIKey


class Command(BaseCommand):
    help = "Manage API keys. `create` prints the key on its last line; it is not shown again."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key acting for a user.")
        create.add_argument("--user", required=True, help="User name the key acts for.")
        create.add_argument("--name", required=True, help="A label, e.g. the client's name.")
        actions.add_parser("list", help="List keys: prefix, user, name, state, last use.")
        revoke = actions.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, action)(**options)

    def create(self, *, user: str, name: str, **options) -> None:
        User = get_user_model()
        try:
            owner = User._default_manager.get_by_natural_key(user)
        except User.DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        if len(name) > DeskAPIKey._meta.get_field("name").max_length:
            raise CommandError("The name is longer than 50 characters.")
        api_key, key = DeskAPIKey.objects.create_key(user=owner, name=name)
        self.stderr.write(f"Key {api_key.prefix} for {owner.get_username()}: store it now.")
        self.stdout.write(key)

    def list(self, **options) -> None:
        for api_key in DeskAPIKey.objects.select_related("user").order_by("created"):
            state = "revoked" if api_key.revoked else "active"
            used = f"{api_key.last_used_at:%Y-%m-%d %H:%M}" if api_key.last_used_at else "never"
            self.stdout.write(
                f"{api_key.prefix}  {api_key.user.get_username()}  {api_key.name}  {state}  {used}"
            )

    def revoke(self, *, prefix: str, **options) -> None:
        if not DeskAPIKey.objects.filter(prefix=prefix).update(revoked=True):
            raise CommandError(f"No API key with prefix {prefix!r}.")
        self.stdout.write(f"Revoked {prefix}.")
