"""Editors may read the job queue (procrastinate's jobs and events) and the jobs' errors."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
READ_ONLY = {
    "desk": ["joberror"],
    "procrastinate": ["procrastinatejob", "procrastinateevent", "procrastinateworker"],
}


def _permissions(apps):
    for label in READ_ONLY:
        # Permissions are normally created after all migrations run (see 0004).
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=label, codename=f"view_{model}")
        for label, models in READ_ONLY.items()
        for model in models
    ]


def grant(apps, schema_editor):
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0009_joberror"),
        ("procrastinate", "0041_post_retry_failed_job"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
