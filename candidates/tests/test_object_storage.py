"""Documents in S3-compatible object storage (STORAGE_URL, portal.storage), against a real S3 API:
moto's server mode on a free loopback port (skips without moto_server, fails in CI)."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import ApplicationDocument
from candidates.tests.factories import ApplicationFactory, candidate
from candidates.tests.samples import PDF
from conftest import require
from portal.storage import private_storage, s3_options
from portal.tests.smtp import free_port

BUCKET = "portail-documents"


@pytest.fixture(scope="module")
def s3_endpoint():
    """``moto_server`` (moto[server], in requirements-dev.txt) serving the S3 API on loopback."""
    binary = Path(sys.executable).with_name("moto_server")
    require(binary.exists(), "moto_server is not installed (pip install -r requirements-dev.txt)")
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)  # noqa: S310 — loopback
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings):
    import boto3

    settings.STORAGE_URL = f"s3://test-key:test-secret@{BUCKET}?endpoint_url={s3_endpoint}&region_name=eu-west-3"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="eu-west-3",
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_without_storage_url_documents_stay_on_the_local_disk(settings):
    settings.STORAGE_URL = ""

    assert isinstance(private_storage(), FileSystemStorage)


def test_storage_url_is_checked():
    assert s3_options("s3://KEY:S%2Fcret@docs?endpoint_url=https://s3.fr-par.scw.cloud&region_name=fr-par") == {
        "bucket_name": "docs",
        "access_key": "KEY",
        "secret_key": "S/cret",
        "endpoint_url": "https://s3.fr-par.scw.cloud",
        "region_name": "fr-par",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "location": "private",
    }
    with pytest.raises(ImproperlyConfigured):
        s3_options("https://docs.example.org/")
    with pytest.raises(ImproperlyConfigured):
        s3_options("s3://docs?acl=public-read")


def test_files_are_private_objects_never_overwritten(bucket):
    storage = private_storage()

    first = storage.save("documents/cv.pdf", ContentFile(PDF))
    second = storage.save("documents/cv.pdf", ContentFile(b"%PDF-1.4 autre"))

    assert first != second
    assert keys(bucket) == sorted([f"private/{first}", f"private/{second}"])
    assert storage.open(first).read() == PDF
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=f"private/{first}")["Grants"]
    assert all(grant["Grantee"].get("URI") is None for grant in grants)  # no AllUsers/AuthenticatedUsers
    storage.delete(first)
    assert keys(bucket) == [f"private/{second}"]


@pytest.mark.django_db
def test_an_uploaded_cv_goes_to_the_bucket_and_comes_back_to_its_owner_only(
    client, bucket, monkeypatch, open_session, settings, tmp_path
):
    # The field's storage is resolved once, at import: give it the one STORAGE_URL now names.
    monkeypatch.setattr(ApplicationDocument._meta.get_field("file"), "storage", private_storage())
    user = candidate()
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="documents")
    client.force_login(user)

    client.post(
        reverse("candidates:apply_step", args=[application.reference, "documents"]),
        {"kind": "cv", "file": SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf"), "action": "add"},
    )
    document = application.documents.get()
    download = client.get(reverse("candidates:document_download", args=[document.pk]))
    client.force_login(candidate())
    someone_else = client.get(reverse("candidates:document_download", args=[document.pk]))

    assert keys(bucket) == [f"private/{document.file.name}"]
    assert not any(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.pdf"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert someone_else.status_code == 404
