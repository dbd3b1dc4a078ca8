"""Candidates' phone numbers in the one form the profile now keeps (candidates.phones): « 06 12 34
56 78 », or the international form abroad. Numbers that are not valid stay as they were typed."""

from django.db import migrations

BATCH_SIZE = 1000


def normalize_phones(apps, schema_editor):
    from candidates.phones import normalize

    CandidateProfile = apps.get_model("candidates", "CandidateProfile")
    changed = []
    for profile in CandidateProfile.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=BATCH_SIZE):
        phone = normalize(profile.phone)
        if phone and phone != profile.phone:
            profile.phone = phone
            changed.append(profile)
        if len(changed) >= BATCH_SIZE:
            CandidateProfile.objects.bulk_update(changed, ["phone"])
            changed = []
    CandidateProfile.objects.bulk_update(changed, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("candidates", "0008_application_created_at_default")]

    operations = [migrations.RunPython(normalize_phones, migrations.RunPython.noop)]
