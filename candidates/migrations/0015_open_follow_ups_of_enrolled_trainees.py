"""Existing trainees (enrolled before the follow-up existed) get their follow-up, with the
situation at entry from their profile as it is now."""

from django.db import migrations

JOB_SEEKING = "job_seeking"


def band(age):
    if age is None:
        return ""
    for limit, code in ((18, "under_18"), (25, "18_24"), (30, "25_29"), (55, "30_54")):
        if age < limit:
            return code
    return "55_plus"


def open_follow_ups(apps, schema_editor):
    Application = apps.get_model("candidates", "Application")
    TraineeFollowUp = apps.get_model("candidates", "TraineeFollowUp")
    CandidateProfile = apps.get_model("candidates", "CandidateProfile")
    enrolled = Application.objects.filter(status="enrolled", follow_up__isnull=True).select_related("session")
    batch = []
    for application in enrolled.iterator(chunk_size=2000):
        profile = CandidateProfile.objects.filter(user_id=application.candidate_id).first()
        start = application.session.starts_on
        age = None
        if profile is not None and profile.birth_date is not None:
            birth = profile.birth_date
            age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
        batch.append(
            TraineeFollowUp(
                application=application,
                entered_on=start,
                gender=profile.gender if profile else "",
                age_band=band(age),
                qualification_level=profile.qualification_level if profile else None,
                entry_situation=JOB_SEEKING if application.is_job_seeker else "",
                long_term_unemployed=application.is_long_term_job_seeker,
            )
        )
    TraineeFollowUp.objects.bulk_create(batch, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("candidates", "0014_follow_up_open_data_funder_reports")]

    operations = [migrations.RunPython(open_follow_ups, migrations.RunPython.noop)]
