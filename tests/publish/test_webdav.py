"""WebdavTarget against wsgidav on loopback: bytes, served types, temp-then-MOVE, faults, credentials."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import requests

from feedpub.cli import main
from feedpub.errors import PublishError, UsageError
from feedpub.publish import PublishOptions, publish_output
from feedpub.publish.base import MANIFEST_NAME, TargetConfig
from feedpub.publish.registry import make_target
from feedpub.publish.webdav import WebdavTarget
from tests.publish import servers_webdav
from tests.publish.sample import FAST, publication, publish, tree, write_output
from tests.publish.servers_webdav import FEED_TYPES, PASSWORD, USER, DavServer

webdav = servers_webdav.webdav  # the fixture, used by name

FEEDS = ["all/atom.xml", "all/feed.json", "all/rss.xml"]


def target(server: DavServer, **options: object) -> WebdavTarget:
    return WebdavTarget(TargetConfig("web", server.url(), dict(options)))


def served(server: DavServer) -> dict[str, bytes]:
    arrived = tree(server.root / "site")
    arrived.pop(MANIFEST_NAME, None)
    return arrived


def writes(server: DavServer) -> list[tuple[str, str]]:
    return [(m, p) for m, p in server.requests if m in ("PUT", "MOVE", "DELETE", "MKCOL")]


def test_first_publish_arrives_through_temporary_names(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    plan = publish(target(webdav), output)
    assert served(webdav) == tree(output)
    manifest = json.loads((webdav.root / "site" / MANIFEST_NAME).read_text())
    assert manifest == {"version": 1, "files": plan.digests}
    puts = [p for m, p in webdav.requests if m == "PUT"]
    assert len(puts) == 8  # seven files and the manifest, each under a temporary name
    assert all(p.rsplit("/", 1)[1].startswith(".") and p.endswith(".tmp") for p in puts)
    answer = requests.get(f"http://127.0.0.1:{webdav.port}/site/all/rss.xml", auth=(USER, PASSWORD))
    assert answer.headers["Content-Type"] == FEED_TYPES["rss.xml"]
    assert answer.content == (output / "all/rss.xml").read_bytes()


def test_through_the_registry_and_publish_output(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    config = TargetConfig("web", webdav.url(scheme="webdav"), {})
    assert type(make_target(config)) is WebdavTarget

    [dry] = publish_output(output, [config], options=PublishOptions(dry_run=True, retry=FAST))
    assert dry.summary() == "7 to upload, 0 unchanged, 0 to delete"
    assert writes(webdav) == []  # not even the collection to publish into

    [report] = publish_output(output, [config], options=PublishOptions(retry=FAST))
    assert report.summary() == "7 uploaded, 0 unchanged, 0 deleted"
    webdav.requests.clear()
    [again] = publish_output(output, [config], options=PublishOptions(retry=FAST))
    assert again.summary() == "0 uploaded, 7 unchanged, 0 deleted"
    assert writes(webdav) == []


def test_changed_bytes_and_changed_headers_upload_again(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    publish(target(webdav), output)
    write_output(output, version=2)
    plan = publish(target(webdav), output)
    assert [u.file.path for u in plan.uploads] == [
        "entries/second.html", "all/feed.json", "all/atom.xml", "all/rss.xml", "index.html",
    ]  # fmt: skip
    assert served(webdav) == tree(output)
    plan = publish(target(webdav, cache_control={"*.css": "no-cache"}), output)
    assert [u.file.path for u in plan.uploads] == ["style.css"]


def test_deletions_need_delete_and_respect_max_deletes(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out", extra=("old/a.html", "old/b.html"))
    publish(target(webdav), output)
    shutil.rmtree(output / "old")

    assert publish(target(webdav), output).kept == ("old/a.html", "old/b.html")
    plan = publish(target(webdav), output, delete=True, max_deletes=1)
    assert plan.refused == "2 files would be deleted, more than --max-deletes 1; deleted none"
    assert (webdav.root / "site/old/b.html").exists()

    plan = publish(target(webdav), output, delete=True)
    assert plan.deletes == ("old/a.html", "old/b.html")
    assert not (webdav.root / "site/old").exists()  # the emptied collection went too
    assert served(webdav) == tree(output)


def test_wrong_served_type_warns_or_fails(
    webdav: DavServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    webdav.types = {}  # wsgidav's own guess from the file name, as a host left unconfigured
    output = write_output(tmp_path / "out")
    with caplog.at_level(logging.WARNING, logger="feedpub"):
        publish(target(webdav), output)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[0] == (
        "web: all/feed.json is served as 'application/json', expected "
        "'application/feed+json; charset=utf-8'; map the file name to that type on the server"
    )
    assert len(warnings) == 3
    assert PASSWORD not in caplog.text

    (output / "all/rss.xml").write_text("<rss version='2.0'/>\n")
    with pytest.raises(PublishError) as caught:
        publish(target(webdav, verify_content_type="error"), output)
    assert caught.value.message.startswith(
        "web: uploading all/rss.xml failed: checking all/rss.xml: served as "
    )
    assert caught.value.message.endswith(
        "expected 'application/rss+xml; charset=utf-8'; map the file name to that type on the server"
    )


def test_refused_file_leaves_old_feeds_and_next_publish_completes(
    webdav: DavServer, tmp_path: Path
) -> None:
    output = write_output(tmp_path / "out")
    publish(target(webdav), output)
    old = tree(webdav.root / "site")
    write_output(output, version=2)
    webdav.refuse = {"/site/entries/second.html"}

    with pytest.raises(PublishError) as caught:
        publish(target(webdav), output)
    assert caught.value.message == (
        "web: uploading entries/second.html failed: moving entries/second.html into place: "
        "HTTP 403 Forbidden"
    )
    assert tree(webdav.root / "site") == old  # feeds, manifest, and no temporary copy left

    webdav.refuse = set()
    publish(target(webdav), output)
    assert served(webdav) == tree(output)


def test_server_stopped_mid_publish_then_next_publish_completes(
    webdav: DavServer, tmp_path: Path
) -> None:
    output = write_output(tmp_path / "out")
    publish(target(webdav), output)
    old = tree(webdav.root / "site")
    write_output(output, version=2)

    def stop_after_first(path: str, done: int, total: int) -> None:
        if done == 1:
            webdav.stop()

    with pytest.raises(PublishError) as caught:
        publish(target(webdav), output, progress=stop_after_first)
    assert caught.value.message == (
        f"web: uploading all/feed.json failed: creating all/: "
        f"cannot reach 127.0.0.1:{webdav.port} (ConnectionError)"
    )
    for feed in [*FEEDS, MANIFEST_NAME]:
        assert (webdav.root / "site" / feed).read_bytes() == old[feed]

    webdav.start()
    publish(target(webdav), output)
    assert served(webdav) == tree(output)


def test_busy_server_is_retried(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    webdav.busy = {"/site/all/rss.xml": 1}  # the read-back after the MOVE is answered 503 once
    publish(target(webdav), output)
    assert served(webdav) == tree(output)
    assert [m for m, p in webdav.requests if p == "/site/all/rss.xml"] == ["HEAD", "HEAD", "GET"]


def test_wrong_password_never_shows_the_password(
    webdav: DavServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FEEDPUB_WEBDAV_PASSWORD", "not-the-password")
    with pytest.raises(PublishError) as caught:
        target(webdav).open()
    assert caught.value.message == (
        f"web: opening {webdav.url().replace('webdav', 'http')}/: HTTP 401 Not Authorized; check FEEDPUB_WEBDAV_USER/FEEDPUB_WEBDAV_PASSWORD "
        "or ~/.netrc for 127.0.0.1"
    )
    assert "not-the-password" not in caplog.text


def test_credentials_from_netrc(
    webdav: DavServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEEDPUB_WEBDAV_USER")
    monkeypatch.delenv("FEEDPUB_WEBDAV_PASSWORD")
    netrc = tmp_path / "netrc"
    netrc.write_text(f'machine 127.0.0.1 login {USER} password "{PASSWORD}"\n')
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    output = write_output(tmp_path / "out")
    publish(target(webdav), output)
    assert served(webdav) == tree(output)


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("webdavs://me:pw@h/p", {},
         "target 'web': refusing a password in the URL; set FEEDPUB_WEBDAV_USER and "
         "FEEDPUB_WEBDAV_PASSWORD or use ~/.netrc"),
        ("webdav://me@h/p", {},
         "target 'web': refusing credentials in the URL (user@); set FEEDPUB_WEBDAV_USER and "
         "FEEDPUB_WEBDAV_PASSWORD or use ~/.netrc"),
        ("webdav:///p", {}, "target 'web': expected webdav://host/path, got no host"),
        ("webdav://h/p", {"verify_content_type": "maybe"},
         "target 'web': verify_content_type: expected one of warn, error, off, got 'maybe'"),
        ("webdav://h/p", {"timout": 3}, "target 'web': unknown option 'timout'; did you mean 'timeout'?"),
    ],
)  # fmt: skip
def test_bad_configuration_is_a_usage_error(
    url: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        make_target(TargetConfig("web", url, options))
    assert caught.value.message == message


def test_only_one_credential_variable_is_a_usage_error(
    webdav: DavServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FEEDPUB_WEBDAV_PASSWORD")
    with pytest.raises(UsageError) as caught:
        target(webdav).open()
    assert caught.value.message == "target 'web': FEEDPUB_WEBDAV_PASSWORD is not set"


def test_cli_failure_names_target_and_file_and_never_the_password(
    webdav: DavServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = publication(tmp_path / "pub", {"dav": {"url": webdav.url(scheme="webdav")}})
    webdav.refuse = {"/site/all/atom.xml"}
    assert main(["--root", str(root), "publish"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "feedpub: dav: uploading all/atom.xml failed: moving all/atom.xml into place: "
        "HTTP 403 Forbidden\n"
    )
    assert PASSWORD not in out + err
    assert not (webdav.root / "site/all/rss.xml").exists()  # RSS comes after Atom: never reached

    webdav.refuse = set()
    assert main(["--root", str(root), "publish"]) == 0
    assert capsys.readouterr().out == "dav: 7 uploaded, 0 unchanged, 0 deleted\n"  # no manifest yet
    assert served(webdav) == tree(root / "public")


def test_parallel_upload_of_many_files_in_new_folders(webdav: DavServer, tmp_path: Path) -> None:
    output = write_output(
        tmp_path / "out", extra=tuple(f"deep/f{i % 5}/page{i:02d}.html" for i in range(40))
    )
    plan = publish(target(webdav, jobs=8), output)
    assert len(plan.uploads) == 47
    assert served(webdav) == tree(output)
    assert publish(target(webdav), output).uploads == ()
