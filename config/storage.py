"""Where stored files (job outputs) go, from the environment: on disk under MEDIA_ROOT, or an
S3-compatible bucket (AWS S3, MinIO, Ceph; django-storages) when STORAGE_S3_BUCKET is set, so
that every web host and worker shares them without a shared disk. Credentials come from boto3's
usual places (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the host's role)."""

from collections.abc import Mapping


def default_storage_setting(environ: Mapping[str, str]) -> dict:
    """STORAGES["default"] for this environment."""
    bucket = environ.get("STORAGE_S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("STORAGE_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("STORAGE_S3_REGION") or None,
            "location": environ.get("STORAGE_S3_PREFIX", ""),
            "default_acl": None,  # private: files leave only through the signed download view
            "file_overwrite": True,  # a job re-run rewrites its own names
        },
    }
