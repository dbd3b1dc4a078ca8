"""portal.uploads: every hostile file of the December 2026 probe, built for real, is refused; real
documents are accepted, images re-encoded without their metadata, PDFs kept byte for byte."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.tests import crafted
from portal.uploads import display_name, inspect_upload

MAX = 5 * 1024 * 1024


def inspect(data, name="file"):
    return inspect_upload(SimpleUploadedFile(name, data), max_size=MAX)


def refusal(data):
    with pytest.raises(ValidationError) as caught:
        inspect(data)
    return caught.value.code


@pytest.mark.parametrize(
    "data, code",
    [
        (
            crafted.pdf(catalog="/OpenAction 4 0 R", objects=["<< /S /JavaScript /JS (app.alert(1)) >>"]),
            "active_content",
        ),
        (crafted.pdf(catalog="/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "active_content"),
        (
            crafted.pdf(catalog="/OpenAction 5 0 R", compressed=["<< /S /JavaScript /JS (app.alert(1)) >>"]),
            "active_content",
        ),
        (
            crafted.pdf(
                catalog="/Names << /JavaScript 4 0 R >>", objects=["<< /Names [(a) 5 0 R] >>", "<< /S /JavaScript >>"]
            ),
            "active_content",
        ),
        (crafted.pdf(catalog="/OpenAction << /S /Launch /F (cmd.exe) >>"), "active_content"),
        (crafted.pdf(catalog="/OpenAction 5 0 R", compressed=["<< /S /Launch /F (calc.exe) >>"]), "active_content"),
        (
            crafted.pdf(
                catalog="/Names << /EmbeddedFiles 4 0 R >>",
                objects=["<< /Names [(x.exe) 5 0 R] >>", "<< /Type /Filespec /F (x.exe) /EF << /F 6 0 R >> >>"],
            ),
            "active_content",
        ),
        (crafted.pdf(catalog="/Names 4 0 R", compressed=["<< /E#6dbeddedFiles << /Names [] >> >>"]), "active_content"),
        (crafted.pdf(head=b"%<html><script>alert('polyglot')</script>\n"), "polyglot"),
        (crafted.pdf(after=crafted.zip_archive()), "polyglot"),
        (crafted.pdf(after=b"<p>second document</p>"), "polyglot"),
        (crafted.jpeg_with_comment(b"<html><script>alert('polyglot')</script></html>"), "polyglot"),
        (crafted.jpeg() + crafted.zip_archive(), "polyglot"),
        (crafted.jpeg() + crafted.pdf(), "polyglot"),
        (crafted.png() + b"<script>alert(1)</script>", "polyglot"),
        (crafted.png_bomb(20000, 20000), "too_many_pixels"),
        (crafted.png_bomb(8000, 6000), "too_many_pixels"),
        (crafted.jpeg(300, 300)[:400], "unreadable"),
        (b"%PDF-1.7\n" + b"\x00" * 200, "unreadable"),
        (crafted.zip_archive(), "bad_type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "bad_type"),
        (b"<html><body>cv</body></html>", "bad_type"),
        (b"MZ\x90\x00" + b"\x00" * 300, "bad_type"),
        (b"", "empty"),
    ],
    ids=[
        "pdf-openaction-javascript",
        "pdf-javascript-obfuscated-names",
        "pdf-javascript-in-object-stream",
        "pdf-document-level-javascript",
        "pdf-launch-action",
        "pdf-launch-in-object-stream",
        "pdf-embedded-file",
        "pdf-embedded-files-obfuscated-in-object-stream",
        "pdf-html-polyglot",
        "pdf-with-zip-appended",
        "pdf-with-html-appended",
        "jpeg-html-polyglot",
        "jpeg-with-zip-appended",
        "jpeg-with-pdf-appended",
        "png-with-script-appended",
        "png-bomb-20000x20000",
        "png-48-megapixels",
        "truncated-jpeg",
        "pdf-header-only",
        "zip",
        "svg-with-script",
        "html",
        "windows-executable",
        "empty",
    ],
)
def test_hostile_files_are_refused(data, code):
    assert refusal(data) == code


def test_a_refusal_says_what_to_do_in_french():
    with pytest.raises(ValidationError) as caught:
        inspect(crafted.pdf(catalog="/OpenAction << /S /JavaScript /JS (x) >>"))

    assert "Imprimez-le en PDF" in caught.value.messages[0]


def test_a_bomb_is_refused_from_its_header_without_decoding(monkeypatch):
    def decode(*args, **kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(Image.Image, "load", decode)

    assert refusal(crafted.png_bomb(20000, 20000)) == "too_many_pixels"


def test_the_pixel_limit_is_a_setting(settings):
    settings.MAX_IMAGE_PIXELS = 100

    assert refusal(crafted.png(20, 20)) == "too_many_pixels"
    assert inspect(crafted.png(10, 10)).content_type == "image/png"


def test_a_real_pdf_is_kept_byte_for_byte():
    document = crafted.pdf(compressed=["<< /Producer (LibreOffice) >>"])

    clean = inspect(document)

    assert (clean.content_type, clean.extension, clean.content) == ("application/pdf", "pdf", document)


def test_a_pdf_without_javascript_but_with_links_is_accepted():
    document = crafted.pdf(catalog="/OpenAction << /S /URI /URI (https://www.paris.fr/) >>")

    assert inspect(document).content_type == "application/pdf"


def test_a_photo_is_re_encoded_without_its_metadata():
    photo = crafted.jpeg(120, 80, exif=crafted.exif_with_gps())
    assert Image.open(io.BytesIO(photo)).getexif()  # the upload carries a GPS position

    clean = inspect(photo)

    stored = Image.open(io.BytesIO(clean.content))
    assert (clean.content_type, clean.extension, stored.format, stored.size) == ("image/jpeg", "jpg", "JPEG", (120, 80))
    assert not stored.getexif()
    assert clean.content != photo


def test_a_png_is_re_encoded_without_its_text_chunks_and_keeps_its_transparency():
    image = crafted.png(text={"Comment": "adresse : 12 rue des Lilas"})

    clean = inspect(image)

    stored = Image.open(io.BytesIO(clean.content))
    assert (stored.format, stored.mode) == ("PNG", "RGBA")
    assert b"rue des Lilas" not in clean.content
    assert stored.getpixel((0, 0)) == (10, 20, 30, 128)


class UnreadableUpload(SimpleUploadedFile):
    def read(self, *args):
        raise AssertionError("the upload was read")


def test_the_announced_size_is_checked_before_reading():
    upload = UnreadableUpload("cv.pdf", crafted.pdf())
    upload.size = MAX + 1

    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload, max_size=MAX)

    assert caught.value.code == "too_big"


def test_a_lying_announced_size_does_not_let_a_bigger_file_through():
    upload = SimpleUploadedFile("cv.pdf", crafted.pdf(after=b"\n" * (MAX + 10)))
    upload.size = 1000

    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload, max_size=MAX)

    assert caught.value.code == "too_big"


@pytest.mark.parametrize(
    "name, extension, shown",
    [
        ("photo.html", "jpg", "photo.jpg"),
        ("cv\u202efdp.exe", "pdf", "cvfdp.pdf"),
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("..\\..\\windows\\x.pdf", "pdf", "x.pdf"),
        ("x" * 400 + ".pdf", "pdf", "x" * 96 + ".pdf"),
        ("CV_Ré sumé_日本語_🚀_مرحبا.pdf", "pdf", "CV_Ré sumé_日本語_🚀_مرحبا.pdf"),
        ("a\x00b\r\n.png", "png", "ab.png"),
        ('a";filename=evil.exe;x=".pdf', "pdf", 'a";filename=evil.exe;x=".pdf'),
        (".pdf", "pdf", "document.pdf"),
        ("a.b.exe", "png", "a.b.png"),
        ("", "jpg", "document.jpg"),
    ],
)
def test_display_names_end_with_the_detected_extension(name, extension, shown):
    assert display_name(name, extension) == shown
