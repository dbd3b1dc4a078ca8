"""Phone numbers, kept in one written form (Google's libphonenumber, through ``phonenumberslite``)
so that staff find a candidate however the number was typed, by them or by the candidate."""

import phonenumbers

DEFAULT_REGION = "FR"


def normalize(text):
    """A French number as « 06 12 34 56 78 », any other as « +44 20 7946 0958 »; None when
    ``text`` is not a valid phone number."""
    try:
        number = phonenumbers.parse(text or "", DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
