"""Uploaded files are what they claim to be, or they are refused.

``inspect_upload(upload, max_size=…)`` reads an upload (its size is checked before any byte is
read), recognises its type by content (``filetype``), refuses polyglots (HTML or script markers in
the first bytes, a second file type inside), then:

- **images** (JPEG, PNG) are refused above ``MAX_IMAGE_PIXELS`` from their header alone (a
  decompression bomb is never decoded), then decoded and **re-encoded** by Pillow: what is stored
  is pixels the portal wrote, without the original's metadata (GPS position, comments), trailing
  bytes or anything hidden in its segments;
- **PDFs** are parsed by pypdf (with tight decompression limits) and refused when they carry
  JavaScript, launch actions, embedded files or rich media, are protected by a password, or have
  no page. They are kept byte for byte (rewriting them would break their digital signatures).

It returns a ``CleanFile``: the bytes to store, their type and the extension the stored file and
its download name get. The portal names every stored file itself (``stored_name``); the name the
person gave is kept only for display, cleaned (``display_name``).
"""

import io
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.templatetags.portal_format import file_size

DOCUMENT_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EXTENSIONS = {extension: mime for mime, extension in DOCUMENT_TYPES.items()}
# Browsers sniff the first 512 bytes for HTML; `file` and mail filters look a little further.
HEAD_BYTES = 1024
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; phones take 12 to 50
# What must never appear at the start of a document, whatever its type (lowercase).
# (Not ``<?xml``: a photo's XMP metadata may start so, and the photo is re-encoded anyway.)
MARKUP_MARKERS = (b"<html", b"<script", b"<!doctype", b"<body", b"<head", b"<iframe", b"<svg", b"<?php")
MARKUP_MARKERS += (b"<object", b"<embed", b"<img", b"javascript:")
# Another file type hidden inside an image (images never legitimately contain these); an
# archive is looked for apart (_has_zip_entry).
INNER_SIGNATURES_IN_IMAGES = (b"%pdf-", b"<html", b"<script", b"<svg", b"<?php", b"<!doctype")
# Inside a PDF: an archive (zip, docx, jar…) or markup.
INNER_SIGNATURES_IN_PDFS = (b"<html", b"<script", b"<!doctype", b"<?php")
# PDF names that make a document act rather than show (decoded: /J#53 is /JS).
ACTIVE_PDF_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/GoToE", "/ImportData"}
)
# pypdf's own limits are generous; a 5 MB document has no business inflating past these.
PDF_LIMITS = {
    "zlib_maximum_output_length": 25_000_000,
    "lzw_maximum_output_length": 25_000_000,
    "run_length_maximum_output_length": 25_000_000,
    "maximum_declared_stream_length": 25_000_000,
    "stream_decoding_work_maximum_length": 50_000_000,
}
MAX_PDF_OBJECTS = 200_000


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str

    @property
    def extension(self):
        return DOCUMENT_TYPES[self.content_type]

    @property
    def size(self):
        return len(self.content)


def max_image_pixels():
    return getattr(settings, "MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)


def inspect_upload(upload, *, max_size, accepted=DOCUMENT_TYPES):
    """The ``CleanFile`` to store for ``upload``, or a ValidationError in plain French."""
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    _check_size(upload.size, max_size)
    upload.seek(0)
    data = upload.read(max_size + 1)
    upload.seek(0)
    _check_size(len(data), max_size)  # the announced size may lie
    if not data:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    content_type = detected_type(data)
    if content_type not in accepted:
        raise ValidationError(_bad_type_message(accepted), code="bad_type")
    _refuse_markup_head(data)
    inspect = _checked_pdf if content_type == "application/pdf" else _reencoded_image
    clean = inspect(data, content_type)
    _check_size(clean.size, max_size)
    return clean


def detected_type(data):
    kind = filetype.guess(data[:8192])
    return kind.mime if kind is not None else None


def _check_size(size, max_size):
    if size > max_size:
        raise ValidationError(
            _("Le fichier fait %(size)s : c'est trop lourd, la limite est de %(max)s.")
            % {"size": file_size(size), "max": file_size(max_size)},
            code="too_big",
        )


def _bad_type_message(accepted):
    if set(accepted) == {"application/pdf"}:
        return _("Ce fichier n'est pas un PDF (d'après son contenu, quel que soit son nom).")
    return _(
        "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (d'après son contenu, quel que soit son nom). "
        "Enregistrez votre document en PDF ou prenez-le en photo, puis réessayez."
    )


def _polyglot():
    return ValidationError(
        _(
            "Ce fichier contient autre chose qu'un document (du code ou un second fichier caché) : le portail "
            "le refuse par sécurité. Enregistrez votre document à nouveau en PDF (« Imprimer », puis "
            "« Enregistrer au format PDF ») ou prenez-le en photo, puis réessayez."
        ),
        code="polyglot",
    )


def _refuse_markup_head(data):
    head = data[:HEAD_BYTES].lower()
    if any(marker in head for marker in MARKUP_MARKERS):
        raise _polyglot()


# --- Images -----------------------------------------------------------------------------------


def _reencoded_image(data, content_type):
    from PIL import Image, ImageOps, UnidentifiedImageError

    lowered = data.lower()
    if any(signature in lowered for signature in INNER_SIGNATURES_IN_IMAGES) or _has_zip_entry(data):
        raise _polyglot()
    unreadable = ValidationError(
        _("Cette image n'a pas pu être lue : elle est peut-être abîmée. Reprenez la photo, puis réessayez."),
        code="unreadable",
    )
    too_many_pixels = ValidationError(
        _(
            "Cette image est trop grande : plus de %(max)s millions de pixels. Reprenez la photo en qualité "
            "normale ou réduisez-la, puis réessayez."
        )
        % {"max": round(max_image_pixels() / 1e6)},
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > max_image_pixels():
                raise too_many_pixels  # refused before a single pixel is decoded
            if image.format not in ("JPEG", "MPO", "PNG"):
                raise unreadable
            image.load()
            image = ImageOps.exif_transpose(image)  # phone photos keep their orientation without EXIF
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels from error
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as error:
        raise unreadable from error
    output = io.BytesIO()
    if content_type == "image/png":
        keep = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
        image.info = keep  # no text chunks, ICC profile or EXIF carried over
        image.save(output, format="PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.info = {}
        image.save(output, format="JPEG", quality=85, optimize=True)
    return CleanFile(content=output.getvalue(), content_type=content_type)


# --- PDFs -------------------------------------------------------------------------------------

_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_NAME = re.compile(rb"/[^\s/\[\]<>(){}%]+")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_EOF = re.compile(rb"%%EOF")


def _checked_pdf(data, content_type):
    import pypdf

    lowered = data.lower()
    if any(signature in lowered for signature in INNER_SIGNATURES_IN_PDFS) or _has_zip_entry(data):
        raise _polyglot()
    if _has_data_after_end(data):
        raise _polyglot()
    # Objects outside streams, as written (a viewer may rebuild a broken cross-reference table by
    # scanning for them, so objects pypdf would not reach count too).
    if _active_names(_STREAM_BODY.sub(b"stream endstream", data)):
        raise _active_pdf()
    damaged = ValidationError(
        _(
            "Ce PDF n'a pas pu être lu : il est peut-être abîmé. Enregistrez-le à nouveau en PDF (« Imprimer », "
            "puis « Enregistrer au format PDF »), puis réessayez."
        ),
        code="unreadable",
    )
    try:
        with pypdf.apply_configuration(**PDF_LIMITS):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValidationError(
                    _(
                        "Ce PDF est protégé par un mot de passe : enregistrez-en une copie sans mot de passe, "
                        "puis réessayez."
                    ),
                    code="encrypted",
                )
            # Every object, compressed object streams included, as pypdf decodes them.
            if any(_is_active(obj) for obj in _pdf_objects(reader)):
                raise _active_pdf()
            if len(reader.pages) == 0:
                raise damaged
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many shapes of error on hostile input: all mean "unreadable"
        raise damaged from error
    return CleanFile(content=data, content_type=content_type)


def _active_pdf():
    return ValidationError(
        _(
            "Ce PDF contient du code (JavaScript), des actions automatiques ou des fichiers joints, que le portail "
            "refuse par sécurité. Imprimez-le en PDF (« Imprimer », puis « Enregistrer au format PDF »), "
            "puis réessayez."
        ),
        code="active_content",
    )


def _has_zip_entry(data):
    """A zip local-file header with a plausible version and a short name length: an archive
    (zip, docx, jar, apk) inside or after the document."""
    for match in re.finditer(rb"PK\x03\x04", data):
        header = data[match.start() : match.start() + 30]
        if (
            len(header) == 30
            and header[4] <= 63
            and header[5] == 0
            and 0 < int.from_bytes(header[26:28], "little") < 512
        ):
            return True
    return False


def _has_data_after_end(data):
    """Bytes beyond the last ``%%EOF`` (other than blanks): a second file appended."""
    ends = list(_EOF.finditer(data))
    if not ends:
        return False  # pypdf decides whether a PDF without an end marker can be read
    return bool(data[ends[-1].end() :].strip(b" \t\r\n\x00\x0c"))


def _decoded_name(raw):
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _active_names(text):
    return any(_decoded_name(raw) in ACTIVE_PDF_NAMES for raw in _PDF_NAME.findall(text))


def _pdf_objects(reader):
    """Every indirect object of the file (cross-reference tables and object streams)."""
    from pypdf.generic import IndirectObject

    numbers = {(num, gen) for gen, entries in reader.xref.items() for num in entries}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    if len(numbers) > MAX_PDF_OBJECTS:
        raise ValueError("too many objects")
    yield reader.trailer
    for num, gen in sorted(numbers):
        yield reader.get_object(IndirectObject(num, gen, reader))


def _is_active(obj, depth=0):
    """Whether a PDF object (its direct content, not what it references) makes the file act."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    if depth > 50:
        raise ValueError("nested too deep")
    if isinstance(obj, NameObject):
        return str(obj) in ACTIVE_PDF_NAMES
    if isinstance(obj, DictionaryObject):  # streams too: their dictionary, never their data
        return any(str(key) in ACTIVE_PDF_NAMES or _is_active(value, depth + 1) for key, value in obj.items())
    if isinstance(obj, ArrayObject):
        return any(_is_active(item, depth + 1) for item in obj)
    return False  # references are objects of their own, looked at in turn (_pdf_objects)


# --- Names ------------------------------------------------------------------------------------

_INVISIBLE = {"Cc", "Cf", "Co", "Cn", "Zl", "Zp"}  # controls, bidi overrides, private use…


def display_name(name, extension, *, max_length=100):
    """The person's file name, cleaned for display: its last path part, without control or
    bidirectional characters, its own extension replaced by the detected one (``cv‮fdp.exe``
    holding a PDF shows as ``cvfdp.pdf``), at most ``max_length`` characters."""
    base = PureWindowsPath(PurePosixPath(str(name or "")).name).name
    cleaned = "".join(
        char for char in unicodedata.normalize("NFC", base) if unicodedata.category(char) not in _INVISIBLE
    )
    stem, dot, _extension = cleaned.rpartition(".")
    stem = " ".join((stem if dot else cleaned).split()).strip(" .") or _("document")
    suffix = f".{extension}"
    return stem[: max_length - len(suffix)] + suffix


def stored_name(folder, extension):
    """A generated, unguessable storage path with the detected extension."""
    from django.utils import timezone

    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
