"""Wagtail's default workflow and its task, created as "Moderators approval", in Italian.

Wagtail's migration ``wagtailcore.0048_add_default_workflows`` names them after the
"Moderators" group in English; staff read the name in the admin (page status, the
workflow screens). Rows that someone has renamed since are left alone.
"""

from django.db import migrations

ENGLISH = "Moderators approval"
ITALIAN = "Approvazione dei moderatori"


def rename(apps, old: str, new: str) -> None:
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=old).update(name=new)
    apps.get_model("wagtailcore", "Task").objects.filter(name=old).update(name=new)


def to_italian(apps, schema_editor):
    rename(apps, ENGLISH, ITALIAN)


def to_english(apps, schema_editor):
    rename(apps, ITALIAN, ENGLISH)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0006_my_registrations_email"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(to_italian, to_english)]
