"""file:// targets through publish_output: what arrives, incremental re-runs, dry runs, deletions, faults."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from feedpub.errors import PublishError, UsageError
from feedpub.publish import MANIFEST_NAME, PublishOptions, TargetConfig, publish_output
from feedpub.publish.retry import RetryPolicy
from tests.publish.site import build_output, tree

FAST = RetryPolicy(attempts=2, backoff=0.01)


def target(folder: Path) -> TargetConfig:
    return TargetConfig("site", folder.as_uri(), {"url": folder.as_uri()})


def options(**kw: object) -> PublishOptions:
    return PublishOptions(retry=FAST, **kw)  # type: ignore[arg-type]


def test_first_publish_copies_every_file_and_the_manifest(tmp_path: Path) -> None:
    output = build_output(tmp_path / "public")
    www = tmp_path / "www"
    [report] = publish_output(output, [target(www)], options=options())
    assert report.summary() == "9 uploaded, 0 unchanged, 0 deleted"
    arrived = tree(www)
    manifest = json.loads(arrived.pop(MANIFEST_NAME))
    assert arrived == tree(output)
    assert sorted(manifest["files"]) == sorted(tree(output))
    assert not [p for p in www.rglob("*") if ".feedpub-tmp-" in p.name]
    mode = (www / "news/rss.xml").stat().st_mode & 0o777
    assert mode == 0o666 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_second_publish_uploads_only_what_changed(tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish_output(build_output(tmp_path / "v1"), [target(www)], options=options())
    manifest_time = (www / MANIFEST_NAME).stat().st_mtime_ns
    [same] = publish_output(build_output(tmp_path / "v1b"), [target(www)], options=options())
    assert same.summary() == "0 uploaded, 9 unchanged, 0 deleted"
    assert (www / MANIFEST_NAME).stat().st_mtime_ns == manifest_time
    [changed] = publish_output(build_output(tmp_path / "v2", 2), [target(www)], options=options())
    assert changed.summary() == "6 uploaded, 3 unchanged, 0 deleted"
    assert (www / "news/rss.xml").read_text() == (tmp_path / "v2/news/rss.xml").read_text()


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish_output(build_output(tmp_path / "v1"), [target(www)], options=options())
    before = tree(www)
    [report] = publish_output(
        build_output(tmp_path / "v2", 2, ("first",)),
        [target(www)],
        options=options(dry_run=True, delete=True),
    )
    assert report.dry_run and report.summary() == "6 to upload, 2 unchanged, 1 to delete"
    assert report.plan.lines()[-2:] == [
        "delete  entries/second.html  (not in the output)",
        "entries: 0 new, 1 changed (first), 1 removed (second)",
    ]
    assert tree(www) == before


def test_delete_removes_stale_files_and_empty_folders(tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish_output(build_output(tmp_path / "v1"), [target(www)], options=options())
    (www / "by-hand.txt").write_text("not ours\n")
    output = build_output(tmp_path / "v2", 1, ("first",))
    shutil.rmtree(output / "images")
    [kept] = publish_output(output, [target(www)], options=options())
    assert kept.plan.kept == ("entries/second.html", "images/logo.png")
    assert (www / "entries/second.html").exists()
    [report] = publish_output(output, [target(www)], options=options(delete=True))
    assert report.summary() == "0 uploaded, 7 unchanged, 2 deleted"
    assert not (www / "entries/second.html").exists() and not (www / "images").exists()
    assert (www / "by-hand.txt").exists()  # never recorded by us, never deleted


def test_max_deletes_aborts_every_delete_and_fails(tmp_path: Path) -> None:
    www = tmp_path / "www"
    publish_output(
        build_output(tmp_path / "v1", 1, ("a", "b", "c", "d")), [target(www)], options=options()
    )
    with pytest.raises(PublishError) as caught:
        publish_output(
            build_output(tmp_path / "v2", 2, ("a",)),
            [target(www)],
            options=options(delete=True, max_deletes=2),
        )
    assert (
        caught.value.message
        == "site: 3 files would be deleted, more than --max-deletes 2; deleted none"
    )
    assert {p.name for p in (www / "entries").iterdir()} == {"a.html", "b.html", "c.html", "d.html"}
    assert (www / "news/rss.xml").read_text() == (tmp_path / "v2/news/rss.xml").read_text()


def test_a_refused_file_stops_before_the_feeds_and_the_next_publish_completes(
    tmp_path: Path,
) -> None:
    www = tmp_path / "www"
    publish_output(build_output(tmp_path / "v1"), [target(www)], options=options())
    old_feeds = {p: b for p, b in tree(www).items() if p.startswith("news/")}
    # A folder where the changed entry page must go: the host refuses that one file.
    (www / "entries/second.html").unlink()
    (www / "entries/second.html").mkdir()
    v2 = build_output(tmp_path / "v2", 2)
    with pytest.raises(PublishError, match=r"^site: uploading entries/second.html failed: "):
        publish_output(v2, [target(www)], options=options())
    assert {p: b for p, b in tree(www).items() if p.startswith("news/")} == old_feeds
    (www / "entries/second.html").rmdir()
    [report] = publish_output(v2, [target(www)], options=options())
    assert report.summary() == "6 uploaded, 3 unchanged, 0 deleted"
    assert {k: v for k, v in tree(www).items() if k != MANIFEST_NAME} == tree(v2)


def test_a_target_folder_needs_an_existing_parent(tmp_path: Path) -> None:
    output = build_output(tmp_path / "public")
    with pytest.raises(PublishError, match=r"^site: .*/nope does not exist$"):
        publish_output(output, [target(tmp_path / "nope/www")], options=options())
    with pytest.raises(
        UsageError, match=r"^target 'x': expected file:///absolute/path, got file://host/x$"
    ):
        publish_output(output, [TargetConfig("x", "file://host/x", {})], options=options())


def test_dry_run_leaves_no_trace_of_a_missing_folder(tmp_path: Path) -> None:
    output = build_output(tmp_path / "public")
    www = tmp_path / "www"
    config = TargetConfig("local", f"file://{www}", {})
    [report] = publish_output(output, [config], options=PublishOptions(dry_run=True))
    assert report.plan.uploads and not www.exists()
