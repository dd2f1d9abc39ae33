"""The planner: output scanning, headers, order, diffing, deletions, dry-run listing, retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.errors import PublishError, UsageError
from feedpub.mediatypes import content_type
from feedpub.publish.base import LocalFile, TargetConfig
from feedpub.publish.manifest import decode_manifest, encode_manifest
from feedpub.publish.plan import (
    DEFAULT_CACHE_RULES,
    cache_control,
    cache_rules,
    make_plan,
    scan_output,
)
from feedpub.publish.registry import check_options, make_target
from feedpub.publish.retry import RetryPolicy, TransientError, is_transient, retry
from tests.publish.site import build_output


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("news/rss.xml", "application/rss+xml; charset=utf-8"),
        ("news/atom.xml", "application/atom+xml; charset=utf-8"),
        ("news/feed.json", "application/feed+json; charset=utf-8"),
        ("entries/a.html", "text/html; charset=utf-8"),
        ("style.css", "text/css"),
        ("feed.xsl", "application/xslt+xml"),
        ("images/a.PNG", "image/png"),
        ("images/a.jpg", "image/jpeg"),
        ("images/a.svg", "image/svg+xml"),
        ("data.bin", "application/octet-stream"),
    ],
)
def test_content_type_comes_from_the_table(path: str, expected: str) -> None:
    assert content_type(path) == expected


def test_cache_control_defaults_and_configured_patterns_first() -> None:
    assert cache_control("news/rss.xml") == "public, max-age=300"
    assert cache_control("index.html") == "public, max-age=300"
    assert cache_control("news/index.html") == "public, max-age=300"
    assert cache_control("entries/a.html") == "public, max-age=86400"
    assert cache_control("style.css") == "public, max-age=86400"
    rules = cache_rules({"*.css": "no-cache", "news/*": "max-age=60"}, "t")
    assert cache_control("style.css", rules) == "no-cache"
    assert cache_control("news/rss.xml", rules) == "max-age=60"
    assert cache_control("entries/a.html", rules) == "public, max-age=86400"
    assert cache_rules(None, "t") == DEFAULT_CACHE_RULES


def test_cache_rules_must_be_a_mapping_of_strings() -> None:
    with pytest.raises(UsageError, match=r"^target 't': cache_control: expected a mapping"):
        cache_rules(["*.css"], "t")


def test_scan_orders_pages_then_feeds_then_index_pages(tmp_path: Path) -> None:
    files = scan_output(build_output(tmp_path))
    assert [f.path for f in files] == [
        "entries/first.html",
        "entries/second.html",
        "images/logo.png",
        "style.css",
        "news/feed.json",
        "news/atom.xml",
        "news/rss.xml",
        "index.html",
        "news/index.html",
    ]
    rss = next(f for f in files if f.path == "news/rss.xml")
    assert rss.content_type == "application/rss+xml; charset=utf-8"
    assert rss.size == len((tmp_path / "news/rss.xml").read_bytes())


def test_digest_covers_headers_as_well_as_bytes(tmp_path: Path) -> None:
    build_output(tmp_path)
    plain = {f.path: f.digest for f in scan_output(tmp_path)}
    again = {f.path: f.digest for f in scan_output(tmp_path)}
    other = {
        f.path: f.digest for f in scan_output(tmp_path, cache_rules({"*.css": "no-cache"}, "t"))
    }
    assert plain == again
    assert [p for p in plain if plain[p] != other[p]] == ["style.css"]


def test_missing_or_empty_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"public has not been built yet; run 'feedpub build' first$"
    ):
        scan_output(tmp_path / "public")
    (tmp_path / "public").mkdir()
    with pytest.raises(UsageError, match=r"public is empty; run 'feedpub build' first$"):
        scan_output(tmp_path / "public")


def files_of(
    tmp_path: Path, version: int = 1, entries: tuple[str, ...] = ("first", "second")
) -> list[LocalFile]:
    folder = tmp_path / f"v{version}-{'-'.join(entries)}"
    return scan_output(build_output(folder, version, entries))


def test_plan_uploads_new_and_changed_and_skips_unchanged(tmp_path: Path) -> None:
    old = {f.path: f.digest for f in files_of(tmp_path, 1)}
    plan = make_plan("t", files_of(tmp_path, 2), old)
    assert [(u.file.path, u.reason) for u in plan.uploads] == [
        ("entries/second.html", "changed"),
        ("news/feed.json", "changed"),
        ("news/atom.xml", "changed"),
        ("news/rss.xml", "changed"),
        ("index.html", "changed"),
        ("news/index.html", "changed"),
    ]
    assert [f.path for f in plan.unchanged] == [
        "entries/first.html",
        "images/logo.png",
        "style.css",
    ]
    assert plan.needs_commit
    same = make_plan("t", files_of(tmp_path, 2), plan.digests)
    assert same.uploads == () and not same.needs_commit


def test_stale_files_are_kept_without_delete_and_stay_recorded(tmp_path: Path) -> None:
    remote = {f.path: f.digest for f in files_of(tmp_path, 1, ("gone", "first"))}
    plan = make_plan("t", files_of(tmp_path, 1, ("first",)), remote)
    assert plan.deletes == () and plan.kept == ("entries/gone.html",)
    assert plan.digests["entries/gone.html"] == remote["entries/gone.html"]
    deleting = make_plan("t", files_of(tmp_path, 1, ("first",)), remote, delete=True)
    assert deleting.deletes == ("entries/gone.html",) and deleting.kept == ()
    assert "entries/gone.html" not in deleting.digests


def test_more_deletes_than_allowed_deletes_none(tmp_path: Path) -> None:
    many = ("old0", "old1", "old2", "first")
    remote = {f.path: f.digest for f in files_of(tmp_path, 1, many)}
    plan = make_plan("t", files_of(tmp_path, 1, ("first",)), remote, delete=True, max_deletes=2)
    assert plan.deletes == ()
    assert plan.refused == "3 files would be deleted, more than --max-deletes 2; deleted none"
    assert len(plan.kept) == 3
    exact = make_plan("t", files_of(tmp_path, 1, ("first",)), remote, delete=True, max_deletes=3)
    assert len(exact.deletes) == 3 and exact.refused == ""


def test_dry_run_lines_give_reasons_and_an_entry_summary(tmp_path: Path) -> None:
    remote = {f.path: f.digest for f in files_of(tmp_path, 1, ("gone", "first", "second"))}
    plan = make_plan("t", files_of(tmp_path, 2, ("first", "second", "third")), remote, delete=True)
    assert plan.lines() == [
        "upload  entries/third.html  (new)",
        "upload  news/feed.json  (changed)",
        "upload  news/atom.xml  (changed)",
        "upload  news/rss.xml  (changed)",
        "upload  index.html  (changed)",
        "upload  news/index.html  (changed)",
        "delete  entries/gone.html  (not in the output)",
        "entries: 1 new (third), 0 changed, 1 removed (gone)",
    ]
    assert "skip    style.css  (unchanged)" in plan.lines(verbose=True)


def test_manifest_round_trip_and_unreadable_manifest_counts_as_empty() -> None:
    data = encode_manifest({"b": "2", "a": "1"})
    assert data == b'{\n "files": {\n  "a": "1",\n  "b": "2"\n },\n "version": 1\n}\n'
    assert decode_manifest(data, "t") == {"a": "1", "b": "2"}
    assert decode_manifest(b"{not json", "t") == {}
    assert decode_manifest(b'{"version": 9, "files": {}}', "t") == {}


def test_retry_backs_off_exponentially_on_transient_errors_only() -> None:
    waits: list[float] = []
    calls: list[int] = []
    no_jitter = RetryPolicy(attempts=4, backoff=0.5, jitter=0)

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("503")
        return "ok"

    assert retry(flaky, "x", no_jitter, waits.append) == "ok"
    assert waits == [0.5, 1.0]

    def refused() -> None:
        calls.append(1)
        raise PermissionError("no")

    calls.clear()
    with pytest.raises(PermissionError):
        retry(refused, "x", no_jitter, waits.append)
    assert len(calls) == 1

    def down() -> None:
        raise ConnectionRefusedError("refused")

    waits.clear()
    with pytest.raises(ConnectionRefusedError):
        retry(down, "x", RetryPolicy(attempts=3, backoff=0.1, jitter=0), waits.append)
    assert waits == [0.1, 0.2]


def test_retry_waits_are_jittered_below_the_exponential_ceiling() -> None:
    waits: list[float] = []

    def down() -> None:
        raise TimeoutError("timed out")

    policy = RetryPolicy(attempts=4, backoff=1.0, jitter=0.5)
    with pytest.raises(TimeoutError):
        retry(down, "x", policy, waits.append, rand=iter([0.0, 1.0, 0.5]).__next__)
    assert waits == [1.0, 1.0, 3.0]  # ceilings 1, 2, 4 less 0%, 50%, 25%


def test_only_exception_types_decide_what_is_transient() -> None:
    class ConnectionClosedError(Exception):  # named like botocore's, but not one of ours
        pass

    assert is_transient(TransientError("x"))
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert not is_transient(ConnectionClosedError())
    assert not is_transient(PermissionError())


def test_registry_rejects_unknown_schemes_and_options() -> None:
    with pytest.raises(
        UsageError, match=r"^target 'p': unknown URL scheme in ftp://h/x; did you mean sftp://\?"
    ):
        make_target(TargetConfig("p", "ftp://h/x", {}))
    with pytest.raises(
        UsageError, match=r"^target 'p': unknown option 'endpoint'; did you mean 'endpoint_url'\?$"
    ):
        check_options(TargetConfig("p", "s3://b", {"endpoint": "x"}), {"endpoint_url"})


def test_publish_error_wraps_with_target_and_file(tmp_path: Path) -> None:
    from feedpub.publish.execute import guarded

    def fail() -> None:
        raise PublishError("disk on fire")

    with pytest.raises(PublishError, match=r"^prod: uploading a.html failed: disk on fire$"):
        guarded(fail, "prod: uploading a.html", RetryPolicy(attempts=1))


def test_file_targets_refuse_unknown_options() -> None:
    with pytest.raises(UsageError) as caught:
        make_target(TargetConfig("site", "file:///srv/www", {"url": "file:///srv/www", "delet": 1}))
    assert caught.value.message == "target 'site': unknown option 'delet'"
