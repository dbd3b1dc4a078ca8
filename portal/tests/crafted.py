"""Real files built byte by byte for the upload tests: valid documents, and the hostile ones of the
December 2026 probe (polyglots, active PDFs, decompression bombs). Nothing is read from disk."""

import io
import struct
import zlib


def pdf(*, catalog="", objects=(), compressed=(), after=b"", head=b""):
    """A one-page PDF. ``catalog``: extra entries of the catalog (object 1); ``objects``: bodies
    of further objects (numbered from 4, written as is); ``compressed``: bodies of objects stored
    in a Flate-compressed object stream (numbered after ``objects``), so that only a real PDF
    parser sees them; ``head``: bytes after the header line; ``after``: bytes after ``%%EOF``."""
    bodies = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog} >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> >>",
        *[body.encode() if isinstance(body, str) else body for body in objects],
    ]
    first_compressed = len(bodies) + 1
    stream_number = first_compressed + len(compressed)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + head)
    offsets = {}
    for number, body in enumerate(bodies, start=1):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    if compressed:
        parts = [body.encode() if isinstance(body, str) else body for body in compressed]
        index, data = [], b""
        for position, body in enumerate(parts):
            index.append(b"%d %d" % (first_compressed + position, len(data)))
            data += body + b"\n"
        header = b" ".join(index) + b"\n"
        packed = zlib.compress(header + data)
        offsets[stream_number] = out.tell()
        out.write(
            b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (stream_number, len(parts), len(header), len(packed))
            + packed
            + b"\nendstream\nendobj\n"
        )
        _xref_stream(out, offsets, first_compressed, len(parts), stream_number)
    else:
        start = out.tell()
        size = len(bodies) + 1
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets[number])
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start))
    return out.getvalue() + after


def _xref_stream(out, offsets, first_compressed, count, stream_number):
    xref_number = stream_number + 1
    offsets[xref_number] = out.tell()
    size = xref_number + 1
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, size):
        if first_compressed <= number < first_compressed + count:
            rows.append(struct.pack(">BIH", 2, stream_number, number - first_compressed))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    data = b"".join(rows)
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref_number, size, len(data))
        + data
        + b"\nendstream\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number])


def jpeg(width=64, height=48, *, color="teal", exif=None):
    from PIL import Image

    output = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), color).save(output, format="JPEG", quality=90, **options)
    return output.getvalue()


def jpeg_with_comment(comment, **kwargs):
    """A JPEG whose first segment is a comment (COM, FF FE) holding ``comment``: a viewer ignores
    it, a browser sniffing the file as HTML runs it."""
    data = jpeg(**kwargs)
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def png(width=30, height=20, *, mode="RGBA", color=(10, 20, 30, 128), text=None):
    from PIL import Image, PngImagePlugin

    output = io.BytesIO()
    info = None
    if text:
        info = PngImagePlugin.PngInfo()
        for key, value in text.items():
            info.add_text(key, value)
    Image.new(mode, (width, height), color).save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def png_bomb(width=20000, height=20000):
    """A valid PNG header announcing ``width`` × ``height`` one-bit pixels, a few kB on disk: a
    decoder that trusts it allocates hundreds of megabytes."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def zip_archive(name="payload.exe", content=b"MZ" + b"\x00" * 64):
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr(name, content)
    return output.getvalue()


def exif_with_gps():
    """EXIF data carrying a GPS position (what a phone photo of a document often holds)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 53.0, 0.0), 3: "E", 4: (2.0, 21.0, 0.0)}  # GPSInfo
    return exif.tobytes()
