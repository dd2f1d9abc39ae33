"""An ``s3://bucket/prefix`` target: output files in, objects with our digest and headers out (boto3)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
from botocore.config import Config
from botocore.utils import determine_content_length

from feedpub.errors import PublishError, UsageError
from feedpub.mediatypes import is_feed
from feedpub.publish.base import MANIFEST_NAME, LocalFile, TargetConfig
from feedpub.publish.execute import MAX_JOBS
from feedpub.publish.registry import check_options
from feedpub.publish.retry import TransientError
from feedpub.redact import redact_url

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

OPTIONS = {
    "endpoint_url",
    "region",
    "profile",
    "request_checksum_calculation",
    "response_checksum_validation",
    "addressing_style",
    "trust_manifest",
}
CHECKSUM_CHOICES = ("when_supported", "when_required")
# S3 error codes that mean "try again later" (AWS S3 API reference, "Error responses").
TRANSIENT_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed"}
)
DIGEST_KEY = "feedpub-digest"  # served back as x-amz-meta-feedpub-digest
MANIFEST_CACHE = "no-cache"
MANIFEST_TYPE = "application/json; charset=utf-8"
STATE_KEY = "feedpub-state"  # x-amz-meta-feedpub-state on the manifest
PUBLISHING = "publishing"  # ...while a publish is changing objects
# botocore asks for "Expect: 100-continue" on every PUT with a body, which costs a round trip
# before the body is sent; worth it only for bodies large enough to be worth not sending.
EXPECT_CONTINUE_FROM = 1024 * 1024


@contextlib.contextmanager
def transient_errors() -> Iterator[None]:
    """botocore's network failures, S3's "slow down" and 5xx answers as TransientError.

    Decided by exception type, and for a ClientError by the error code S3 sent; the planner
    retries a TransientError and fails on anything else.
    """
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if exc.response.get("Error", {}).get("Code") in TRANSIENT_CODES or int(status or 0) >= 500:
            raise TransientError(str(exc)) from exc
        raise
    except (
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
        botocore.exceptions.IncompleteReadError,
    ) as exc:
        raise TransientError(str(exc)) from exc


def small_bodies_send_at_once(params: dict[str, Any], **_kwargs: Any) -> None:
    """Drop botocore's ``Expect: 100-continue`` from requests whose body is under a MiB."""
    headers = params.get("headers", {})
    if "Expect" in headers:
        size = determine_content_length(params.get("body"))
        if size is not None and size < EXPECT_CONTINUE_FROM:
            del headers["Expect"]


class S3Target:
    """AWS S3 and S3-compatible stores (R2, B2, MinIO, Spaces) via ``endpoint_url``.

    The digest of each object lives in its own metadata, and a manifest object records each
    key's digest and ETag. A publish trusts the manifest when the last publish completed, so it
    reads one object instead of listing the bucket. A publish that changes anything first marks
    the manifest "publishing" (a metadata-only copy of it); the next publish finding that mark,
    or no manifest, lists every object, compares ETags and HEADs those that differ.
    """

    parallel = True  # boto3 clients are thread-safe; the pool holds MAX_JOBS connections

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        check_options(config, OPTIONS)
        parts = urlsplit(config.url)
        if not parts.netloc:
            raise UsageError(
                f"target {config.name!r}: expected s3://bucket/prefix, got {redact_url(config.url)}"
            )
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        for name in ("request_checksum_calculation", "response_checksum_validation"):
            value = config.options.get(name)
            if value is not None and value not in CHECKSUM_CHOICES:
                raise UsageError(
                    f"target {config.name!r}: {name}: expected one of "
                    f"{', '.join(CHECKSUM_CHOICES)}, got {value!r}"
                )
        trust = config.options.get("trust_manifest", True)
        if not isinstance(trust, bool):
            raise UsageError(
                f"target {config.name!r}: trust_manifest: expected true or false, got {trust!r}"
            )
        self.trust_manifest = trust
        self._client: S3Client | None = None
        self._etags: dict[str, str] = {}
        self._manifest_found = False
        self._marked = False
        self._mark_lock = threading.Lock()

    @property
    def client(self) -> S3Client:
        if self._client is None:
            raise PublishError(f"{self.config.name}: not connected")
        return self._client

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def where(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def open(self) -> None:
        opts = self.config.options
        extra: dict[str, Any] = {}
        for name in ("request_checksum_calculation", "response_checksum_validation"):
            if opts.get(name):
                extra[name] = opts[name]
        config = Config(
            retries={"total_max_attempts": 1},  # the planner retries with its own backoff
            max_pool_connections=MAX_JOBS,  # one per upload running at once (publish --jobs)
            connect_timeout=10,
            read_timeout=60,
            s3={"addressing_style": opts.get("addressing_style", "auto")},
            **extra,
        )
        try:
            session = boto3.session.Session(profile_name=opts.get("profile"))
            self._client = session.client(
                "s3",
                endpoint_url=opts.get("endpoint_url"),
                region_name=opts.get("region"),
                config=config,
            )
            # after botocore's own before-call handler, which adds the header
            self._client.meta.events.register_last("before-call.s3", small_bodies_send_at_once)
            self.client.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ProfileNotFound as exc:
            raise UsageError(f"target {self.config.name!r}: {exc}") from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise PublishError(
                f"{self.config.name}: no AWS credentials found (environment, "
                "profile or instance role)"
            ) from exc
        except botocore.exceptions.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                raise PublishError(
                    f"{self.config.name}: bucket {self.bucket!r} does not exist"
                ) from exc
            if status == 403:
                raise PublishError(
                    f"{self.config.name}: access to bucket {self.bucket!r} denied"
                ) from exc
            raise

    def remote_digests(self) -> dict[str, str]:
        with transient_errors():
            recorded, etags, complete = self.read_manifest()
            if complete and self.trust_manifest:  # the last publish finished: no listing
                self._etags = {p: etags[p] for p in recorded if p in etags}
                return {p: recorded[p] for p in recorded if p in etags}
            return self.list_digests(recorded, etags)

    def list_digests(self, recorded: dict[str, str], etags: dict[str, str]) -> dict[str, str]:
        """Every object's digest: from the manifest when its ETag matches, else by HEAD."""
        start = f"{self.prefix}/" if self.prefix else ""
        digests: dict[str, str] = {}
        self._etags = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        ):
            for obj in page.get("Contents", []):
                path = obj["Key"][len(start) :]
                if path == MANIFEST_NAME or not path:
                    continue
                etag = obj.get("ETag", "")
                self._etags[path] = etag
                if path in recorded and etags.get(path) == etag:
                    digests[path] = recorded[path]
                else:  # changed behind our back, or uploaded by a publish that did not finish
                    head = self.client.head_object(Bucket=self.bucket, Key=obj["Key"])
                    digests[path] = head.get("Metadata", {}).get(DIGEST_KEY, "")
        return digests

    def read_manifest(self) -> tuple[dict[str, str], dict[str, str], bool]:
        """(digests, ETags, whether the publish that wrote it completed); ({}, {}, False) if none."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(MANIFEST_NAME))
        except self.client.exceptions.NoSuchKey:
            return {}, {}, False
        self._manifest_found = True
        complete = answer.get("Metadata", {}).get(STATE_KEY) != PUBLISHING
        try:
            data = json.loads(answer["Body"].read())
            files, etags = data["files"], data["etags"]
            if isinstance(files, dict) and isinstance(etags, dict):
                return (
                    {str(k): str(v) for k, v in files.items()},
                    {str(k): str(v) for k, v in etags.items()},
                    complete,
                )
        except (ValueError, KeyError, TypeError):
            pass
        return {}, {}, False  # unreadable: every object is checked by HEAD instead

    def mark_publishing(self) -> None:
        """Before the first change: mark the manifest, so a publish cut short is noticed next time."""
        with self._mark_lock:
            if self._marked:
                return
            if self._manifest_found:
                key = self.key(MANIFEST_NAME)
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": key},
                    MetadataDirective="REPLACE",
                    Metadata={STATE_KEY: PUBLISHING},
                    ContentType=MANIFEST_TYPE,
                    CacheControl=MANIFEST_CACHE,
                )
            self._marked = True

    def upload(self, file: LocalFile) -> None:
        with transient_errors():
            self.mark_publishing()
            data = file.read()
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(file.path),
                Body=data,
                ContentType=file.content_type,
                CacheControl=file.cache_control,
                Metadata={DIGEST_KEY: file.digest},
            )
            self._etags[file.path] = response.get("ETag", "")
            if is_feed(file.path):
                self.verify(file)

    def verify(self, file: LocalFile) -> None:
        """Read a feed's headers back: the classic failure is a feed served as binary/octet-stream."""
        head = self.client.head_object(Bucket=self.bucket, Key=self.key(file.path))
        found = {
            "Content-Type": head.get("ContentType", ""),
            "Cache-Control": head.get("CacheControl", ""),
            "digest": head.get("Metadata", {}).get(DIGEST_KEY, ""),
            "ETag": head.get("ETag", ""),
        }
        expected = {
            "Content-Type": file.content_type,
            "Cache-Control": file.cache_control,
            "digest": file.digest,
            # The ETag is the MD5 of the bytes only without SSE-KMS; the one the PUT returned is
            # what a HEAD of the same object must show.
            "ETag": self._etags[file.path],
        }
        for name, want in expected.items():
            if found[name] != want:
                raise PublishError(
                    f"{file.path} reads back with {name} {found[name]!r}, expected {want!r}"
                )

    def delete(self, path: str) -> None:
        with transient_errors():
            self.mark_publishing()
            self.client.delete_object(Bucket=self.bucket, Key=self.key(path))
            self._etags.pop(path, None)

    def commit(self, digests: dict[str, str]) -> None:
        with transient_errors():
            etags = {p: self._etags[p] for p in sorted(digests) if p in self._etags}
            body = {"version": 1, "files": dict(sorted(digests.items())), "etags": etags}
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(MANIFEST_NAME),
                Body=(json.dumps(body, indent=1, sort_keys=True) + "\n").encode(),
                ContentType=MANIFEST_TYPE,
                CacheControl=MANIFEST_CACHE,
            )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
