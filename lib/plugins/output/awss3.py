"""`outputMode = awss3`: each batch becomes one S3 object (Splunk Eventgen's awss3), put with boto3.

The object holds the batch's events one a line (`outputFormat` honoured), gzip-compressed with
`awsS3CompressionType = gz`. Its key is `awsS3ObjectPrefix` + a name in the style of `awsS3EventType` (the time is
that of the batch's last event, UTC) + `awsS3ObjectSuffix`:

- `syslog`: `20240101T120000Z_<16 hex>`
- `elbaccesslog`: `20240101T1200Z_<16 hex>` (as ELB names its access logs, by minute)
- `s3accesslog`: `2024-01-01-12-00-00-<16 HEX>` (as S3 names its server access logs)

The 16 hex digits are made from the batch (sample and sequence) and a random value of the output instance, so a
retried batch overwrites its own object rather than adding a second one, and two runs never share a key.
boto3 is an optional dependency (`pip install 'eventgen[s3]'`); its own retries are off so that the output's
retry budget decides. Credentials: `awsKeyId` and `awsSecretKey`, else boto3's usual chain (environment, profile,
instance role); the secret is never logged or shown.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from eventgen.plugin import (
    OutputConfig,
    OutputError,
    OutputPlugin,
    Payload,
    Setting,
    WriteResult,
    at_least,
    choice,
    http_url,
    parse_float,
    parse_int,
)

from ._net import RETRYABLE_STATUS

MISSING = "awss3 needs boto3, which is not installed: pip install 'eventgen[s3]'"
STAMPS = {"syslog": "%Y%m%dT%H%M%SZ_", "elbaccesslog": "%Y%m%dT%H%MZ_", "s3accesslog": "%Y-%m-%d-%H-%M-%S-"}
BUSY = frozenset({"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"})
REFUSED = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket", "InvalidBucketName"}
)


def boto3_missing() -> bool:
    try:
        import boto3  # noqa: F401
    except ImportError:
        return True
    return False


def object_key(prefix: str, event_type: str, suffix: str, last_time: float, unique: str) -> str:
    stamp = datetime.fromtimestamp(last_time, UTC).strftime(STAMPS[event_type])
    return f"{prefix}{stamp}{unique.upper() if event_type == 's3accesslog' else unique}{suffix}"


class AwsS3Output(OutputPlugin):
    name = "awss3"
    summary = "Amazon S3 (or an S3-compatible store): one object per batch, optionally gzip, with boto3."
    retries_setting = "awsS3Retries"
    settings = (
        Setting("awsS3BucketName", default=None, doc="Bucket to put the objects in (it must exist)."),
        Setting("awsS3CompressionType", choice("none", "gz"), "none", "`gz`: gzip each object's body."),
        Setting(
            "awsS3EventType",
            choice("syslog", "elbaccesslog", "s3accesslog"),
            "syslog",
            "How object keys are named: `syslog` `20240101T120000Z_<hex>`, `elbaccesslog` `20240101T1200Z_<hex>` "
            "(ELB's access logs), `s3accesslog` `2024-01-01-12-00-00-<HEX>` (S3's server access logs).",
        ),
        Setting("awsS3ObjectPrefix", default="", doc="Text put before each key (a folder: `logs/web/`)."),
        Setting("awsS3ObjectSuffix", default="", doc="Text put after each key (`.log`, `.gz`)."),
        Setting("awsRegion", default=None, doc="AWS region of the bucket (boto3's configured one when unset)."),
        Setting("awsKeyId", default=None, doc="Access key id (boto3's credential chain when unset)."),
        Setting("awsSecretKey", default=None, doc="Secret access key, with awsKeyId: never logged or shown."),
        Setting(
            "awsS3EndPointUrl",
            http_url,
            None,
            "Endpoint of an S3-compatible store (`http://127.0.0.1:9000`); path-style addressing is used with it.",
        ),
        Setting(
            "awsS3EventPerKey",
            at_least(parse_int, 1),
            None,
            "Events per object: a batch is put as objects of at most this many events (unset: one object per batch).",
        ),
        Setting("awsS3Timeout", at_least(parse_float, 0.1), "30", "Seconds to wait to connect and for an answer."),
        Setting(
            "awsS3Retries",
            at_least(parse_int, 0),
            None,
            "Attempts after a failed put (connection, timeout, 5xx, SlowDown): overrides outputRetries.",
        ),
    )

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        problems = []
        if boto3_missing():
            problems.append(("outputMode", MISSING))
        if not config.awsS3BucketName:
            problems.append(("awsS3BucketName", "outputMode = awss3 needs awsS3BucketName (the bucket to write to)"))
        if bool(config.awsKeyId) != bool(config.awsSecretKey):
            given, lacking = ("awsKeyId", "awsSecretKey") if config.awsKeyId else ("awsSecretKey", "awsKeyId")
            problems.append((lacking, f"{given} is set: give {lacking} too (or neither, for boto3's credential chain)"))
        return problems

    def __init__(self, config) -> None:
        super().__init__(config)
        self.nonce = secrets.token_bytes(16)  # this instance's part of every key
        self.client: Any = None

    def open(self) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise OutputError(MISSING, retryable=False) from None
        cfg = self.config
        options: dict[str, Any] = {"retries": {"max_attempts": 1, "mode": "standard"}}
        if cfg.awsS3EndPointUrl:
            options["s3"] = {"addressing_style": "path"}
        self.client = boto3.session.Session().client(
            "s3",
            region_name=cfg.awsRegion,
            endpoint_url=cfg.awsS3EndPointUrl,
            aws_access_key_id=cfg.awsKeyId,
            aws_secret_access_key=cfg.awsSecretKey,
            config=Config(connect_timeout=cfg.awsS3Timeout, read_timeout=cfg.awsS3Timeout, **options),
        )

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def key_of(self, payload: Payload, start: int, end: int) -> str:
        """The key of the object holding events [start, end) of `payload`: the same for the same events of the same
        batch (a retry overwrites its own object), never the same for two runs (the instance's random nonce)."""
        cfg = self.config
        first = payload.offset + start
        unique = hashlib.blake2b(f"{payload.sample}\n{payload.seq}\n{first}".encode(), key=self.nonce, digest_size=8)
        batch = payload.batch
        last = float(batch.times[first : payload.offset + end].max()) if batch is not None and end > start else 0.0
        return object_key(cfg.awsS3ObjectPrefix, cfg.awsS3EventType, cfg.awsS3ObjectSuffix, last, unique.hexdigest())

    def write(self, payload: Payload) -> WriteResult:
        """One object per batch, or per `awsS3EventPerKey` events of it; when a put fails, the objects before it
        count sent and a retry resumes at its events."""
        per_key = self.config.awsS3EventPerKey or len(payload)
        size = 0
        for start in range(0, len(payload), per_key):
            end = min(start + per_key, len(payload))
            try:
                size += self.put(self.key_of(payload, start, end), payload.piece(start, end))
            except OutputError as exc:
                exc.sent = start
                raise
        return WriteResult(bytes=size)

    def put(self, key: str, data: memoryview) -> int:
        """Put one object; the bytes it took."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        cfg = self.config
        body = bytes(data)
        if cfg.awsS3CompressionType == "gz":
            body = gzip.compress(body, compresslevel=6, mtime=0)
        try:
            self.client.put_object(Bucket=cfg.awsS3BucketName, Key=key, Body=body, ContentType="text/plain")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            raise OutputError(
                f"S3 bucket {cfg.awsS3BucketName!r}: {code} (HTTP {status}): {error.get('Message', '')}",
                retryable=code not in REFUSED and (status in RETRYABLE_STATUS or code in BUSY),
            ) from None
        except NoCredentialsError:
            raise OutputError(
                "no AWS credentials: set awsKeyId and awsSecretKey (or AWS_ACCESS_KEY_ID / a profile)", retryable=False
            ) from None
        except BotoCoreError as exc:
            where = cfg.awsS3EndPointUrl or "S3"
            raise OutputError(f"{where}: {type(exc).__name__}: {exc}") from None
        return len(body)
