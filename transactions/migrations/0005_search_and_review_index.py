from django.db import migrations, models

from transactions import search


def install(apps, schema_editor):
    """Text search by trigram index on SQLite (PostgreSQL searches without one)."""
    search.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('transactions', '0004_who_changed'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(fields=['status', 'date'], name='idx_transactions_status_date'),
        ),
        migrations.RunPython(install, uninstall),
    ]
