"""Export job files in an S3-compatible bucket (STORAGE_S3_BUCKET: django-storages), against a
local S3: moto's server mode, started by the test on a free port and stopped by its PID."""

import socket
import subprocess
import sys
import time

import boto3
import pytest

from annotate.models import Job
from config.storage import default_storage_setting
from tests.ci import on_ci

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

BUCKET = "workbench-jobs"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint(tmp_path):
    port = _free_port()
    log = (tmp_path / "moto.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                message = f"moto's S3 server did not start: {(tmp_path / 'moto.log').read_text()}"
                if on_ci():
                    pytest.fail(message, pytrace=False)
                pytest.skip(message)
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket_storage(settings, monkeypatch, s3_endpoint):
    """The storage STORAGE_S3_BUCKET and STORAGE_S3_ENDPOINT_URL give, on the local S3, with a
    fresh bucket."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    environ = {"STORAGE_S3_BUCKET": BUCKET, "STORAGE_S3_ENDPOINT_URL": s3_endpoint}
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_setting(environ)}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_an_export_job_stores_its_files_in_the_bucket_and_downloads_them(
    api_as, known, bucket_storage, django_capture_on_commit_callbacks
):
    client = api_as(known.editor)
    url = f"/api/v1/projects/{known.project.pk}/export/?format=native&salt=x"
    stream = b"".join(client.get(url).streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url + "&async=1").status_code == 202

    job = Job.objects.get()
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "done", body["error"]
    keys = {item["Key"] for item in bucket_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {
        f"jobs/{job.pk}/known-native.jsonl",
        f"jobs/{job.pk}/known-native.jsonl.datasheet.md",
    }
    stored = bucket_storage.get_object(Bucket=BUCKET, Key=f"jobs/{job.pk}/known-native.jsonl")
    assert stored["Body"].read() == stream
    downloaded = client.get(body["downloads"]["file"])
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == stream
