from django.db import migrations

from portal.roles import create_all_permissions, sync_municipal_staff_group


def create_group(apps, schema_editor):
    create_all_permissions(apps)
    sync_municipal_staff_group(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0001_initial"),
        ("candidates", "0003_refusal_reason_retired"),
        ("programmes", "0001_initial"),
        ("partners", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
