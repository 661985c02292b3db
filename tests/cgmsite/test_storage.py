"""Where production keeps uploaded files: object storage when a bucket is named, else disk.

The settings are imported in a process of their own with the environment a server has;
nothing here talks to a storage service (URLs of public files are built locally).
"""

import json

from tests.utils import production_process

STORAGE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage, storages
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": type(storages["default"]).__module__ + "." + type(storages["default"]).__name__,
    "static": type(storages["staticfiles"]).__name__,
    "url": default_storage.url("images/foto.jpg"),
    "documents": getattr(settings, "WAGTAILDOCS_SERVE_METHOD", None),
}))
"""

S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "cgm-media",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "AWS_S3_REGION_NAME": "it-mil-1",
    "AWS_S3_ACCESS_KEY_ID": "test-key",
    "AWS_S3_SECRET_ACCESS_KEY": "test-secret",
}


def production_storage(**env: str) -> dict:
    variables = ("AWS_", "DATABASE_URL", "MEDIA_ROOT", "WAGTAILDOCS_")
    result = production_process(["-c", STORAGE], drop=variables, **{"LOG_FORMAT": "text", **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_bucket_uploads_stay_on_disk():
    storage = production_storage()

    assert storage["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert storage["url"] == "/media/images/foto.jpg"
    assert storage["static"] == "CompressedManifestStaticFilesStorage"


def test_a_bucket_name_puts_uploads_on_s3_with_public_urls():
    storage = production_storage(**S3_ENV)

    assert storage["backend"] == "storages.backends.s3.S3Storage"
    assert storage["class"] == "storages.backends.s3.S3Storage"
    # Path-style or virtual-host URL on the endpoint, unsigned: it can sit in cached pages.
    assert storage["url"].startswith("https://")
    assert "cgm-media" in storage["url"]
    assert storage["url"].endswith("/images/foto.jpg")
    assert "X-Amz-Signature" not in storage["url"]
    # Static files stay with WhiteNoise; documents redirect to the file after their checks.
    assert storage["static"] == "CompressedManifestStaticFilesStorage"
    assert storage["documents"] == "redirect"


def test_a_cdn_domain_and_signed_urls_for_a_private_bucket():
    cdn = production_storage(**S3_ENV, AWS_S3_CUSTOM_DOMAIN="media.cgm.coop")
    signed = production_storage(**S3_ENV, AWS_QUERYSTRING_AUTH="true")

    assert cdn["url"] == "https://media.cgm.coop/images/foto.jpg"
    assert "X-Amz-Signature=" in signed["url"]
    # Valid for a week: a cached page keeps its image URLs for up to a day.
    assert "X-Amz-Expires=604800" in signed["url"]
