"""Sample uploads and form data shared by the candidates' tests."""

from portal.tests import crafted

# Real files: uploads are parsed (pypdf) and images re-encoded (Pillow), see portal.uploads.
PDF = crafted.pdf()
PNG = crafted.png()
# A Windows executable's first bytes ("MZ" header): what a renamed "cv.pdf" may really be.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"
MOTIVATION = "Je répare les ordinateurs de ma famille depuis des années et je veux en faire mon métier."

# A complete, valid profile form as posted.
PROFILE_FORM = {
    "first_name": "Awa",
    "last_name": "Diallo",
    "birth_date": "1999-04-12",
    "gender": "woman",
    "postcode": "93500",
    "commune": "Pantin",
    "lives_in_qpv": "unknown",
    "is_job_seeker": "true",
    "job_seeker_since": "2016-10-01",
    "qualification_level": "4",
    "receives_rsa": "false",
    "has_rqth": "false",
    "phone": "06 12 34 56 78",
}
