"""``feedpub publish`` end to end: a publication root in, exit codes and exact output out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.publish import MANIFEST_NAME
from tests.publish.conftest import Hub
from tests.publish.servers_s3 import S3Server
from tests.publish.site import build_output, tree


def publication(
    root: Path, targets: dict[str, dict[str, object]], hubs: tuple[str, ...] = ()
) -> Path:
    """feedpub.yaml + feeds/news.yaml; the output is written by build_output, not by feedpub build."""
    root.mkdir(parents=True, exist_ok=True)
    settings = {"title": "Briefings", "base_url": "https://news.example.org/", "targets": targets}
    (root / "feedpub.yaml").write_text(json.dumps(settings))  # JSON is YAML
    (root / "feeds").mkdir(exist_ok=True)
    (root / "feeds/news.yaml").write_text(json.dumps({"title": "News", "hubs": list(hubs)}))
    return root


def feedpub(root: Path, *args: str) -> int:
    return main(["--root", str(root), "publish", *args])


def test_publish_every_target_prints_one_summary_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    root = publication(
        tmp_path / "pub", {"one": {"url": one.as_uri()}, "two": {"url": two.as_uri()}}
    )
    build_output(root / "public")
    assert feedpub(root) == 0
    assert capsys.readouterr() == (
        "one: 9 uploaded, 0 unchanged, 0 deleted\ntwo: 9 uploaded, 0 unchanged, 0 deleted\n",
        "",
    )
    assert {k: v for k, v in tree(one).items() if k != MANIFEST_NAME} == tree(root / "public")
    assert feedpub(root, "two") == 0
    assert capsys.readouterr().out == "two: 0 uploaded, 9 unchanged, 0 deleted\n"


def test_dry_run_prints_the_plan_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    www = tmp_path / "www"
    root = publication(tmp_path / "pub", {"site": {"url": www.as_uri()}})
    build_output(root / "public", 1, ("first", "second"))
    assert feedpub(root) == 0
    build_output(root / "public", 2, ("first", "second", "third"))
    (root / "public/entries/first.html").unlink()
    before = tree(www)
    capsys.readouterr()
    assert feedpub(root, "--dry-run", "--delete") == 0
    assert capsys.readouterr().out == (
        f"site ({www.as_uri()}): 6 to upload, 3 unchanged, 1 to delete\n"
        "  upload  entries/third.html  (new)\n"
        "  upload  news/feed.json  (changed)\n"
        "  upload  news/atom.xml  (changed)\n"
        "  upload  news/rss.xml  (changed)\n"
        "  upload  index.html  (changed)\n"
        "  upload  news/index.html  (changed)\n"
        "  delete  entries/first.html  (not in the output)\n"
        "  entries: 1 new (third), 0 changed, 1 removed (first)\n"
    )
    assert tree(www) == before
    assert feedpub(root, "--dry-run", "--delete", "--format", "json") == 0
    [site] = json.loads(capsys.readouterr().out)["targets"]
    assert (site["target"], site["url"], site["dry_run"], site["error"]) == (
        "site",
        www.as_uri(),
        True,
        None,
    )
    assert [(u["path"], u["reason"]) for u in site["upload"]] == [
        ("entries/third.html", "new"),
        ("news/feed.json", "changed"),
        ("news/atom.xml", "changed"),
        ("news/rss.xml", "changed"),
        ("index.html", "changed"),
        ("news/index.html", "changed"),
    ]
    assert site["upload"][2]["content_type"] == "application/atom+xml; charset=utf-8"
    assert (site["unchanged"], site["delete"], site["keep"]) == (3, ["entries/first.html"], [])
    assert tree(www) == before


def test_max_deletes_exits_1_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    www = tmp_path / "www"
    root = publication(tmp_path / "pub", {"site": {"url": www.as_uri()}})
    build_output(root / "public", 1, ("a", "b", "c"))
    assert feedpub(root) == 0
    for name in ("a", "b"):
        (root / f"public/entries/{name}.html").unlink()
    capsys.readouterr()
    assert feedpub(root, "--delete", "--max-deletes", "1") == 1
    assert capsys.readouterr().err == (
        "feedpub: site: 2 files would be deleted, more than --max-deletes 1; deleted none\n"
    )
    assert (www / "entries/a.html").exists()


def test_user_mistakes_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = publication(tmp_path / "pub", {"production": {"url": (tmp_path / "www").as_uri()}})
    assert feedpub(root) == 2
    assert capsys.readouterr().err == (
        f"feedpub: {root.resolve()}/public has not been built yet; run 'feedpub build' first\n"
    )
    build_output(root / "public")
    assert feedpub(root, "prod") == 2
    assert capsys.readouterr().err == (
        "feedpub: unknown target 'prod'; did you mean 'production'? (feedpub.yaml has: production)\n"
    )
    assert feedpub(root, "--max-deletes", "-1") == 2
    assert "--max-deletes" in capsys.readouterr().err


def test_a_failed_upload_exits_1_naming_target_and_file_without_credentials(
    s3: S3Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket="cli")
    target: dict[str, object] = {"url": "s3://cli/site", "endpoint_url": s3.endpoint}
    root = publication(tmp_path / "pub", {"production": target})
    build_output(root / "public")
    s3.refuse = {"site/style.css"}
    assert feedpub(root) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        "feedpub: production: uploading style.css failed: An error occurred (AccessDenied)"
    )
    assert "feedpub-secret-never-printed" not in err and "AKIDFEEDPUBTEST" not in err
    s3.refuse = set()
    assert feedpub(root) == 0
    assert capsys.readouterr().out == "production: 6 uploaded, 3 unchanged, 0 deleted\n"


def test_hubs_get_one_ping_per_changed_feed_file(hub: Hub, tmp_path: Path) -> None:
    root = publication(
        tmp_path / "pub", {"site": {"url": (tmp_path / "www").as_uri()}}, hubs=(hub.url,)
    )
    build_output(root / "public")
    assert feedpub(root, "--quiet") == 0
    assert sorted(url for ping in hub.pings for url in ping["hub.url"]) == [
        "https://news.example.org/news/atom.xml",
        "https://news.example.org/news/feed.json",
        "https://news.example.org/news/rss.xml",
    ]
    assert feedpub(root, "--quiet") == 0
    assert len(hub.pings) == 3


def test_jobs_out_of_range_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    www = tmp_path / "www"
    root = publication(tmp_path / "pub", {"site": {"url": www.as_uri(), "jobs": 0}})
    build_output(root / "public")
    assert feedpub(root) == 2
    assert capsys.readouterr().err == (
        "feedpub: target 'site': jobs: expected a number from 1 to 64, got 0\n"
    )
    assert feedpub(root, "--jobs", "65") == 2
    assert "--jobs" in capsys.readouterr().err
    assert feedpub(root, "--jobs", "2") == 0  # --jobs wins over the target's setting
    assert capsys.readouterr().out == "site: 9 uploaded, 0 unchanged, 0 deleted\n"
