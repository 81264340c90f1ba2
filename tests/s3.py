"""A real S3-compatible HTTP endpoint on 127.0.0.1 (moto's server mode), started by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import free_port

ACCESS_KEY, SECRET_KEY, REGION = "integritas-test", "integritas-test-secret", "us-east-1"


class S3Server:
    def __init__(self, log: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        binary = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
        self._log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(self.port)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        f"moto_server did not start: {log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.2)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def env(self, bucket: str) -> dict[str, str]:
        return {
            "INTEGRITAS_S3_BUCKET": bucket,
            "INTEGRITAS_S3_ENDPOINT_URL": self.endpoint,
            "INTEGRITAS_S3_REGION": REGION,
            "INTEGRITAS_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "INTEGRITAS_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def s3_server(tmp_path) -> Iterator[S3Server]:
    pytest.importorskip("boto3")
    server = S3Server(tmp_path / "moto.log")
    try:
        yield server
    finally:
        server.stop()
