"""s3:// targets against moto's S3 server over HTTP with boto3 and SigV4: objects, headers, faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from feedpub.errors import PublishError, UsageError
from feedpub.publish import MANIFEST_NAME, PublishOptions, TargetConfig, publish_output
from feedpub.publish.plan import rank
from feedpub.publish.retry import RetryPolicy
from tests.publish.servers_s3 import S3Server
from tests.publish.site import build_output, tree

FAST = RetryPolicy(attempts=3, backoff=0.01)
BUCKET = "briefings"


def client(s3: S3Server) -> Any:
    return boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3: S3Server, request: pytest.FixtureRequest) -> str:
    name = f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}"
    client(s3).create_bucket(Bucket=name)
    return name


def target(s3: S3Server, bucket: str, **options: Any) -> TargetConfig:
    url = f"s3://{bucket}/news"
    return TargetConfig(
        "production",
        url,
        {
            "url": url,
            "endpoint_url": s3.endpoint,
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            **options,
        },
    )


def run(output: Path, config: TargetConfig, **kw: Any) -> Any:
    [report] = publish_output(output, [config], options=PublishOptions(retry=FAST, **kw))
    return report


def objects(s3: S3Server, bucket: str) -> dict[str, dict[str, Any]]:
    c = client(s3)
    found = {}
    for obj in c.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = c.get_object(Bucket=bucket, Key=obj["Key"])
        found[obj["Key"]] = {
            "body": got["Body"].read(),
            "type": got["ContentType"],
            "cache": got.get("CacheControl"),
            "meta": got["Metadata"],
        }
    return found


def test_objects_arrive_with_bytes_content_type_cache_control_and_digest(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public")
    report = run(output, target(s3, bucket))
    assert report.summary() == "9 uploaded, 0 unchanged, 0 deleted"
    found = objects(s3, bucket)
    manifest = json.loads(found.pop(f"news/{MANIFEST_NAME}")["body"])
    assert {k[len("news/") :]: v["body"] for k, v in found.items()} == tree(output)
    headers = {k: (v["type"], v["cache"]) for k, v in found.items()}
    assert headers["news/news/rss.xml"] == (
        "application/rss+xml; charset=utf-8",
        "public, max-age=300",
    )
    assert headers["news/news/atom.xml"] == (
        "application/atom+xml; charset=utf-8",
        "public, max-age=300",
    )
    assert headers["news/news/feed.json"] == (
        "application/feed+json; charset=utf-8",
        "public, max-age=300",
    )
    assert headers["news/index.html"] == ("text/html; charset=utf-8", "public, max-age=300")
    assert headers["news/entries/first.html"] == (
        "text/html; charset=utf-8",
        "public, max-age=86400",
    )
    assert headers["news/style.css"] == ("text/css", "public, max-age=86400")
    assert headers["news/images/logo.png"] == ("image/png", "public, max-age=86400")
    digests = {
        f.path: f.digest for f in report.plan.uploads and [u.file for u in report.plan.uploads]
    }
    assert found["news/news/rss.xml"]["meta"] == {"feedpub-digest": digests["news/rss.xml"]}
    assert manifest["files"] == dict(sorted(digests.items()))


def test_unchanged_second_publish_sends_no_put(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1"), target(s3, bucket))
    s3.requests.clear()
    report = run(build_output(tmp_path / "v1b"), target(s3, bucket))
    assert report.summary() == "0 uploaded, 9 unchanged, 0 deleted"
    assert s3.puts() == []
    assert [m for m, _ in s3.requests if m == "HEAD"] == ["HEAD"]  # head_bucket only
    assert s3.listings(bucket) == 0  # the manifest of a completed publish says what is there


def test_small_files_are_sent_without_waiting_for_100_continue(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public")
    big = output / "media" / "talk.mp3"
    big.parent.mkdir()
    big.write_bytes(b"\xff\xfb" * (1024 * 1024 // 2))  # 1 MiB: worth asking before sending
    report = run(output, target(s3, bucket))
    assert report.summary() == "10 uploaded, 0 unchanged, 0 deleted"
    assert s3.expect.pop("news/media/talk.mp3") == "100-continue"
    small = [path for path in tree(output) if "talk" not in path] + [MANIFEST_NAME]
    assert sorted(s3.expect) == sorted(f"news/{path}" for path in small)
    assert set(s3.expect.values()) == {""}
    assert objects(s3, bucket)["news/media/talk.mp3"]["body"] == big.read_bytes()


def test_changed_cache_control_is_reapplied_to_unchanged_bytes(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public")
    run(output, target(s3, bucket))
    report = run(output, target(s3, bucket, cache_control={"*.css": "public, max-age=604800"}))
    assert [u.file.path for u in report.plan.uploads] == ["style.css"]
    assert objects(s3, bucket)["news/style.css"]["cache"] == "public, max-age=604800"


def test_objects_changed_behind_our_back_are_checked_by_head_unless_the_manifest_is_trusted(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public")
    run(output, target(s3, bucket))
    client(s3).put_object(
        Bucket=bucket, Key="news/style.css", Body=b"x", ContentType="binary/octet-stream"
    )
    assert run(output, target(s3, bucket)).plan.uploads == ()  # trusted: not even listed
    report = run(output, target(s3, bucket, trust_manifest=False))
    assert [(u.file.path, u.reason) for u in report.plan.uploads] == [("style.css", "changed")]
    assert objects(s3, bucket)["news/style.css"]["type"] == "text/css"


def test_a_publish_cut_short_makes_the_next_one_list_the_bucket(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    run(build_output(tmp_path / "v1"), target(s3, bucket))
    s3.refuse = {"news/news/feed.json"}  # pages go up, then the first feed fails
    v2 = build_output(tmp_path / "v2", 2, ("first", "second", "third"))
    with pytest.raises(PublishError, match=r"^production: uploading news/feed.json failed"):
        run(v2, target(s3, bucket), jobs=1)
    head = client(s3).head_object(Bucket=bucket, Key=f"news/{MANIFEST_NAME}")
    assert head["Metadata"] == {"feedpub-state": "publishing"}
    s3.refuse = set()
    s3.requests.clear()
    report = run(v2, target(s3, bucket))
    assert s3.listings(bucket) == 1
    # The pages that arrived before the failure are found by their ETag and HEAD, not re-sent.
    assert [u.file.path for u in report.plan.uploads] == [
        "news/feed.json", "news/atom.xml", "news/rss.xml", "index.html", "news/index.html",
    ]  # fmt: skip
    head = client(s3).head_object(Bucket=bucket, Key=f"news/{MANIFEST_NAME}")
    assert head["Metadata"] == {}
    s3.requests.clear()
    assert run(v2, target(s3, bucket)).plan.uploads == ()
    assert s3.listings(bucket) == 0


def test_dry_run_changes_nothing(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1"), target(s3, bucket))
    before = objects(s3, bucket)
    s3.requests.clear()
    report = run(
        build_output(tmp_path / "v2", 2, ("first",)), target(s3, bucket), dry_run=True, delete=True
    )
    assert report.summary() == "6 to upload, 2 unchanged, 1 to delete"
    assert [m for m, _ in s3.requests if m not in ("GET", "HEAD")] == []
    assert objects(s3, bucket) == before


def test_delete_and_max_deletes(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1", 1, ("a", "b", "c")), target(s3, bucket))
    with pytest.raises(
        PublishError,
        match=r"^production: 2 files would be deleted, more than --max-deletes 1; deleted none$",
    ):
        run(
            build_output(tmp_path / "v2", 1, ("a",)), target(s3, bucket), delete=True, max_deletes=1
        )
    assert {"news/entries/b.html", "news/entries/c.html"} <= set(objects(s3, bucket))
    report = run(
        build_output(tmp_path / "v2", 1, ("a",)), target(s3, bucket), delete=True, max_deletes=2
    )
    assert report.summary() == "0 uploaded, 8 unchanged, 2 deleted"
    assert not {"news/entries/b.html", "news/entries/c.html"} & set(objects(s3, bucket))


def test_a_refused_file_leaves_the_old_feeds_and_the_next_publish_completes(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    run(build_output(tmp_path / "v1"), target(s3, bucket))
    old = objects(s3, bucket)
    s3.refuse = {"news/entries/second.html"}
    v2 = build_output(tmp_path / "v2", 2)
    with pytest.raises(
        PublishError, match=r"^production: uploading entries/second.html failed: .*AccessDenied"
    ):
        run(v2, target(s3, bucket))
    now = objects(s3, bucket)
    for feed in (
        "news/news/rss.xml",
        "news/news/atom.xml",
        "news/news/feed.json",
        "news/index.html",
    ):
        assert now[feed] == old[feed]
    s3.refuse = set()
    report = run(v2, target(s3, bucket))
    assert report.summary() == "6 uploaded, 3 unchanged, 0 deleted"
    assert objects(s3, bucket)["news/news/rss.xml"]["body"] == (v2 / "news/rss.xml").read_bytes()


def test_a_transient_refusal_is_retried(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    s3.refuse, s3.refuse_status = {"news/style.css"}, 503
    # Every try fails: the error names the file after all attempts.
    with pytest.raises(PublishError, match=r"^production: uploading style.css failed: "):
        run(build_output(tmp_path / "public"), target(s3, bucket))
    assert s3.puts().count(f"/{bucket}/news/style.css") == FAST.attempts


def test_a_stopped_server_fails_naming_the_target_and_the_restart_completes(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    run(build_output(tmp_path / "v1"), target(s3, bucket))
    s3.stop()
    v2 = build_output(tmp_path / "v2", 2)
    with pytest.raises(PublishError, match=r"^production: cannot read s3://.*/news: "):
        run(v2, target(s3, bucket))
    s3.start()
    assert (
        objects(s3, bucket)["news/news/rss.xml"]["body"]
        == (tmp_path / "v1/news/rss.xml").read_bytes()
    )
    assert run(v2, target(s3, bucket)).summary() == "6 uploaded, 3 unchanged, 0 deleted"


def test_credentials_in_the_file_are_refused(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(
        UsageError,
        match=r"^target 'production': 'aws_secret_access_key' does not belong in feedpub.yaml",
    ):
        run(build_output(tmp_path / "p"), target(s3, bucket, aws_secret_access_key="x"))


def test_missing_bucket_is_named(s3: S3Server, tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"^production: bucket 'nope' does not exist$"):
        run(build_output(tmp_path / "p"), target(s3, "nope"))


@pytest.mark.parametrize("jobs", [1, 8])
def test_uploads_run_in_parallel_within_a_phase_and_the_phases_in_order(
    s3: S3Server, bucket: str, tmp_path: Path, jobs: int
) -> None:
    output = build_output(tmp_path / "public", 1, tuple(f"e{i:02d}" for i in range(40)))
    report = run(output, target(s3, bucket, jobs=jobs))
    assert report.summary() == "47 uploaded, 0 unchanged, 0 deleted"
    assert (s3.most_at_once > 1) == (jobs > 1)
    # Pages, feed.json, atom.xml, rss.xml, index pages: a phase's first PUT starts only after
    # every PUT of the phase before it ended, so the ranks of all events never go down.
    ranks = [rank(key[len("news/") :]) for _, key in s3.events if not key.endswith(MANIFEST_NAME)]
    assert ranks == sorted(ranks)
    assert len(ranks) == 2 * 47
    assert tree(output) == {
        k[len("news/") :]: v["body"]
        for k, v in objects(s3, bucket).items()
        if not k.endswith(MANIFEST_NAME)
    }


def test_a_failure_stops_the_phase_and_the_next_publish_completes(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public", 1, tuple(f"e{i:02d}" for i in range(40)))
    s3.refuse = {"news/entries/e05.html"}
    with pytest.raises(PublishError, match=r"^production: uploading entries/e05.html failed"):
        run(output, target(s3, bucket))
    feeds = [k for _, k in s3.events if k.endswith((".xml", ".json")) and "/entries/" not in k]
    assert [k for k in feeds if not k.endswith(MANIFEST_NAME)] == []  # no feed went up
    s3.refuse = set()
    report = run(output, target(s3, bucket))
    assert report.summary().endswith("0 deleted")
    assert tree(output) == {
        k[len("news/") :]: v["body"]
        for k, v in objects(s3, bucket).items()
        if not k.endswith(MANIFEST_NAME)
    }
