"""The Editors group: add, change, delete and view rights on the curated desk models only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
CURATED = ["actor", "alias", "affiliation", "article", "event", "participation", "claim", "claimlink"]
# The deletion log is written by triggers and merges; editors may read it, not change it.
READ_ONLY = ["deletion"]


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations run; create them now so
    # that a fresh database gets a complete group.
    app_config = apps.get_app_config("desk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in CURATED for action in ("add", "change", "delete", "view")]
    codenames += [f"view_{model}" for model in READ_ONLY]
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="desk", codename__in=codenames))


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0003_trigger_clock_and_deletion_default"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
