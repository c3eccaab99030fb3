"""Re-encrypt Plaid access tokens adopted from the original app's database."""

from django.conf import settings
from django.db import migrations


def adopt(apps, schema_editor):
    from accounts.crypto import adopt_legacy_tokens

    adopt_legacy_tokens(schema_editor.connection, settings.BUDGET_LEGACY_FERNET_KEY)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_account_mask")]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
