"""The personal-data access trail (portal.audit). On PostgreSQL a trigger makes it append-only:
no UPDATE ever, and no DELETE of a row younger than a year (the retention job's purge deletes
only older rows). TRUNCATE (the test suite's flush) is not a row operation and is not affected."""

import django.utils.timezone
from django.db import migrations, models


GUARD = """
CREATE OR REPLACE FUNCTION portal_accesslog_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the personal-data access trail is never edited';
    END IF;
    IF OLD.at > now() - interval '365 days' THEN
        RAISE EXCEPTION 'the personal-data access trail is kept 365 days';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_accesslog_guard BEFORE UPDATE OR DELETE ON portal_accesslog
    FOR EACH ROW EXECUTE FUNCTION portal_accesslog_guard();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS portal_accesslog_guard ON portal_accesslog;
DROP FUNCTION IF EXISTS portal_accesslog_guard();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0003_user_search_trigram'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='le')),
                ('actor_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='identifiant de la personne')),
                ('actor_email', models.CharField(blank=True, max_length=254, verbose_name='personne')),
                ('space', models.CharField(max_length=20, verbose_name='espace')),
                ('action', models.CharField(choices=[('application_viewed', 'page de candidature consultée'), ('document_downloaded', 'document téléchargé'), ('export_downloaded', 'export téléchargé')], max_length=30, verbose_name='action')),
                ('object_type', models.CharField(max_length=40, verbose_name="type d'objet")),
                ('object_id', models.CharField(max_length=64, verbose_name='objet')),
                ('candidate_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='identifiant du candidat')),
                ('detail', models.CharField(blank=True, max_length=500, verbose_name='détail')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='adresse IP')),
            ],
            options={
                'verbose_name': 'accès aux données personnelles',
                'verbose_name_plural': 'accès aux données personnelles',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
