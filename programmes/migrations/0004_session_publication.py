"""Sessions get a publication workflow (draft → to validate → published) and programmes the list
of the structures that run them (issue 15, item 5).

``Session.is_published`` becomes a column generated from ``publication``: existing published
sessions stay published, unpublished ones become drafts. Each programme's structures start as
those already running sessions of it."""

from django.db import migrations, models

PUBLICATION_CHOICES = [
    ("draft", "brouillon (structure)"),
    ("to_validate", "à valider par la Ville"),
    ("published", "publiée"),
]


def copy_publication(apps, schema_editor):
    for name in ("Session", "HistoricalSession"):
        model = apps.get_model("programmes", name)
        model.objects.filter(is_published=False).update(publication="draft")


def link_structures_running_sessions(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    Session = apps.get_model("programmes", "Session")
    for programme in Programme.objects.all():
        providers = Session.objects.filter(programme=programme).values_list("site__provider", flat=True).distinct()
        programme.training_providers.add(*providers)


def publication_field():
    return models.CharField(
        choices=PUBLICATION_CHOICES, db_index=True, default="published", max_length=20, verbose_name="publication"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0003_site_contact"),
    ]

    operations = [
        migrations.AddField(model_name="session", name="publication", field=publication_field()),
        migrations.AddField(model_name="historicalsession", name="publication", field=publication_field()),
        migrations.RunPython(copy_publication, migrations.RunPython.noop),
        migrations.RemoveField(model_name="historicalsession", name="is_published"),
        migrations.RemoveField(model_name="session", name="is_published"),
        migrations.AddField(
            model_name="session",
            name="is_published",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Q(("publication", "published")),
                output_field=models.BooleanField(),
                verbose_name="publiée",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="training_providers",
            field=models.ManyToManyField(
                blank=True,
                help_text="Leurs équipes peuvent proposer des sessions de ce programme depuis l'espace centre.",
                related_name="programmes",
                to="programmes.trainingprovider",
                verbose_name="structures de formation du programme",
            ),
        ),
        migrations.RunPython(link_structures_running_sessions, migrations.RunPython.noop),
    ]
