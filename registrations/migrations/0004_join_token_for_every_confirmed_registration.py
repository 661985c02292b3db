"""Every confirmed registration has a personal join token: the e-mails no longer make one."""

import secrets

from django.db import migrations, models


def fill_join_tokens(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    missing = Registration.objects.filter(status="confirmed").filter(
        models.Q(join_token__isnull=True) | models.Q(join_token="")
    )
    for registration in missing.iterator():
        registration.join_token = secrets.token_urlsafe(32)
        registration.save(update_fields=["join_token"])


class Migration(migrations.Migration):
    dependencies = [("registrations", "0003_alter_emailmessage_kind")]

    operations = [migrations.RunPython(fill_join_tokens, migrations.RunPython.noop)]
