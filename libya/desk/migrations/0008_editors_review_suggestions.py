"""Editors review the extractor's suggestions: they may view and decide (change) them.

Suggestions are written by the extractor only and never deleted by hand (rejected
instead), so no add or delete right is granted.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
CODENAMES = ["view_suggestion", "change_suggestion"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations run; create them now.
    app_config = apps.get_app_config("desk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="desk", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="desk", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("desk", "0007_suggestion")]

    operations = [migrations.RunPython(grant, revoke)]
