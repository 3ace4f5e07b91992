"""A real S3 server on loopback for the awss3 output: moto in server mode (`moto[server]`, the `test` extra), run as
its own process on 127.0.0.1, with a boto3 client to make buckets and read objects back."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.servers import start_server
from tests.waiting import stop_process

KEY_ID = "AKIAEVENTGENTEST0001"
SECRET = "eventgen/Test+Secret/0123456789abcdefGHIJ"
REGION = "us-east-1"


class MotoS3:
    def __init__(self, folder: Path):
        try:
            import boto3  # noqa: F401
            import moto.server  # noqa: F401
        except ImportError:
            pytest.fail("moto[server] and boto3 are not installed: pip install -e '.[test]'", pytrace=False)
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.client: Any = None

    def start(self) -> MotoS3:
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.proc = start_server(argv, self.folder / "moto.log", self.port, "moto_server", 30)
        import boto3

        self.client = boto3.client(
            "s3", endpoint_url=self.url, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
        )
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        found = self.client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def body(self, bucket: str, key: str, gzipped: bool = False) -> bytes:
        data = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return gzip.decompress(data) if gzipped else data

    def settings(self, bucket: str) -> dict[str, str]:
        """The awss3 settings that point the output at this server."""
        return {
            "awsS3BucketName": bucket,
            "awsS3EndPointUrl": self.url,
            "awsRegion": REGION,
            "awsKeyId": KEY_ID,
            "awsSecretKey": SECRET,
        }
