"""SftpTarget against a real sshd on loopback: what arrives, what is skipped, deleted, refused."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.errors import PublishError, UsageError
from feedpub.publish import PublishOptions, publish_output
from feedpub.publish.base import MANIFEST_NAME, TargetConfig
from feedpub.publish.registry import make_target
from feedpub.publish.sftp import SftpTarget
from tests.publish import servers_ssh
from tests.publish.sample import FAST, publication, publish, tree, write_output
from tests.publish.servers_ssh import SshServer, keygen

sshd = servers_ssh.sshd  # the fixture, used by name

FEEDS = ["all/atom.xml", "all/feed.json", "all/rss.xml"]


def served(server: SshServer) -> dict[str, bytes]:
    arrived = tree(server.root)
    arrived.pop(MANIFEST_NAME, None)
    return arrived


def target(server: SshServer, **options: object) -> SftpTarget:
    config = TargetConfig("web", server.url("sftp"), {**server.options(), **options})
    return SftpTarget(config)


def test_first_publish_places_every_file_and_the_manifest(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    plan = publish(target(sshd), output)
    assert [u.reason for u in plan.uploads] == ["new"] * 7
    arrived = tree(sshd.root)
    manifest = json.loads(arrived.pop(MANIFEST_NAME))
    assert arrived == tree(output)  # byte for byte, and no temporary files left behind
    assert manifest == {"version": 1, "files": plan.digests}
    assert stat.S_IMODE((sshd.root / "all/rss.xml").stat().st_mode) == 0o644


def test_second_publish_uploads_nothing(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    publish(target(sshd), output)
    before = {p: (sshd.root / p).stat().st_ino for p in tree(sshd.root)}
    plan = publish(target(sshd), output)
    assert plan.uploads == ()
    assert len(plan.unchanged) == 7
    assert {p: (sshd.root / p).stat().st_ino for p in tree(sshd.root)} == before


def test_changed_files_only_and_a_changed_header_counts(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    publish(target(sshd), output)
    write_output(output, version=2)
    plan = publish(target(sshd), output)
    assert [u.file.path for u in plan.uploads] == [
        "entries/second.html",
        "all/feed.json",
        "all/atom.xml",
        "all/rss.xml",
        "index.html",
    ]
    assert (sshd.root / "all/rss.xml").read_bytes() == (output / "all/rss.xml").read_bytes()
    # Same bytes, another Cache-Control: uploaded again, so the recorded state is right.
    plan = publish(target(sshd, cache_control={"*.css": "public, max-age=60"}), output)
    assert [u.file.path for u in plan.uploads] == ["style.css"]


def test_deletions_need_delete_and_respect_max_deletes(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out", extra=("old/a.html", "old/b.html"))
    publish(target(sshd), output)
    shutil.rmtree(output / "old")

    plan = publish(target(sshd), output)
    assert plan.kept == ("old/a.html", "old/b.html")
    assert (sshd.root / "old/a.html").exists()

    plan = publish(target(sshd), output, delete=True, max_deletes=1)
    assert plan.refused == "2 files would be deleted, more than --max-deletes 1; deleted none"
    assert (sshd.root / "old/a.html").exists() and (sshd.root / "old/b.html").exists()

    plan = publish(target(sshd), output, delete=True, max_deletes=2)
    assert plan.deletes == ("old/a.html", "old/b.html")
    assert not (sshd.root / "old").exists()  # the emptied folder went too
    assert set(json.loads((sshd.root / MANIFEST_NAME).read_text())["files"]) == set(tree(output))


def test_refused_file_leaves_old_feeds_and_next_publish_completes(
    sshd: SshServer, tmp_path: Path
) -> None:
    output = write_output(tmp_path / "out")
    publish(target(sshd), output)
    old = tree(sshd.root)
    write_output(output, version=2)
    # The host refuses one entry page: a folder sits where it must go.
    (sshd.root / "entries/second.html").unlink()
    (sshd.root / "entries/second.html").mkdir()

    with pytest.raises(PublishError) as caught:
        publish(target(sshd), output)
    assert caught.value.message == (
        f"web: uploading entries/second.html failed: moving {sshd.root}/entries/second.html "
        f"into place: refused by the server (SFTP status FAILURE)"
    )
    for feed in FEEDS:
        assert (sshd.root / feed).read_bytes() == old[feed]
    assert (sshd.root / MANIFEST_NAME).read_bytes() == old[MANIFEST_NAME]
    assert [p for p in tree(sshd.root) if ".tmp" in p] == []

    (sshd.root / "entries/second.html").rmdir()
    publish(target(sshd), output)
    arrived = tree(sshd.root)
    arrived.pop(MANIFEST_NAME)
    assert arrived == tree(output)


def test_server_stopped_mid_publish_then_next_publish_completes(
    sshd: SshServer, tmp_path: Path
) -> None:
    output = write_output(tmp_path / "out", extra=("entries/third.html",))
    publish(target(sshd), output)
    old = tree(sshd.root)
    write_output(output, version=2)
    (output / "entries/third.html").write_text("changed\n")

    def stop_after_first(path: str, done: int, total: int) -> None:
        if done == 1:
            sshd.stop()

    with pytest.raises(PublishError) as caught:
        publish(target(sshd), output, progress=stop_after_first)
    assert caught.value.message.startswith("web: uploading entries/third.html failed: ")
    assert "cannot connect" in caught.value.message
    for feed in FEEDS:
        assert (sshd.root / feed).read_bytes() == old[feed]

    sshd.start()
    plan = publish(target(sshd), output)
    assert plan.uploads[0].file.path == "entries/second.html"
    arrived = tree(sshd.root)
    arrived.pop(MANIFEST_NAME)
    assert arrived == tree(output)


def test_dropped_connection_is_retried_on_a_new_one(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")

    def drop_after_first(path: str, done: int, total: int) -> None:
        if done == 1:
            sshd.drop_sessions()

    publish(target(sshd), output, progress=drop_after_first)
    assert served(sshd) == tree(output)


@pytest.mark.parametrize("scheme", ["sftp", "rsync"])
def test_dry_run_changes_nothing(sshd: SshServer, tmp_path: Path, scheme: str) -> None:
    output = write_output(tmp_path / "out")
    config = TargetConfig("web", sshd.url(scheme), sshd.options())
    publish_output(output, [config], options=PublishOptions(retry=FAST))
    before = {p: (sshd.root / p).stat() for p in tree(sshd.root)}
    write_output(output, version=2)
    [report] = publish_output(output, [config], options=PublishOptions(dry_run=True, retry=FAST))
    assert report.summary() == "5 to upload, 2 unchanged, 0 to delete"
    assert {p: (sshd.root / p).stat() for p in tree(sshd.root)} == before


def test_unknown_host_is_refused(sshd: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(PublishError) as caught:
        target(sshd, known_hosts=str(empty)).open()
    assert caught.value.message == (
        f"web: {sshd.user}@127.0.0.1:{sshd.port}: host key not in {empty}; "
        f"connect once with ssh to record it"
    )


def test_changed_host_key_is_refused(sshd: SshServer, tmp_path: Path) -> None:
    other = tmp_path / "other"
    keygen(other)
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {other.with_suffix('.pub').read_text()}")
    with pytest.raises(PublishError) as caught:
        target(sshd, known_hosts=str(known)).open()
    assert caught.value.message == (
        f"web: {sshd.user}@127.0.0.1:{sshd.port}: the host key does not match {known}; "
        f"refusing to connect"
    )


def test_wrong_client_key_fails_authentication(sshd: SshServer, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    keygen(stranger)
    with pytest.raises(PublishError) as caught:
        target(sshd, key_file=str(stranger)).open()
    assert caught.value.message.startswith(
        f"web: {sshd.user}@127.0.0.1:{sshd.port}: authentication failed"
    )


def test_home_relative_path_and_missing_root_folder(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    deep = sshd.root / "new" / "site"
    config = TargetConfig("web", sshd.url("sftp", deep), sshd.options())
    publish(SftpTarget(config), output)
    assert (deep / "all/rss.xml").read_bytes() == (output / "all/rss.xml").read_bytes()


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        (
            "sftp://u:secret@h/p",
            {},
            "target 'web': refusing a password in the URL; use key_file or your ssh agent",
        ),
        ("sftp:///p", {}, "target 'web': expected sftp://user@host:port/path, got no host"),
        ("sftp://u@h:x/p", {}, "target 'web': the port in the URL is not a number"),
        (
            "sftp://u@h/p",
            {"key_fle": "k"},
            "target 'web': unknown option 'key_fle'; did you mean 'key_file'?",
        ),
        (
            "sftp://u@h/p",
            {"timeout": "soon"},
            "target 'web': timeout: expected a number of seconds, got 'soon'",
        ),
        (
            "sftp://u@h/p",
            {"key_file": "/nonexistent/key"},
            "target 'web': key_file /nonexistent/key does not exist",
        ),
    ],
)
def test_bad_configuration_is_a_usage_error(
    url: str, options: dict[str, object], message: str, tmp_path: Path
) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    with pytest.raises(UsageError) as caught:
        make_target(TargetConfig("web", url, {"known_hosts": str(known), **options}))
    assert caught.value.message == message


def test_cli_publishes_to_sftp_and_rsync_targets(
    sshd: SshServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = sshd.root / "a", sshd.root / "b"
    root = publication(
        tmp_path / "pub",
        {
            "box": {"url": sshd.url("sftp", a), **sshd.options()},
            "mirror": {"url": sshd.url("sftp", b), "mode": "rsync", **sshd.options()},
        },
    )
    assert main(["--root", str(root), "publish"]) == 0
    assert capsys.readouterr() == (
        "box: 7 uploaded, 0 unchanged, 0 deleted\nmirror: 7 uploaded, 0 unchanged, 0 deleted\n",
        "",
    )
    for folder in (a, b):
        arrived = tree(folder)
        arrived.pop(MANIFEST_NAME)
        assert arrived == tree(root / "public")
    assert main(["--root", str(root), "publish"]) == 0
    assert capsys.readouterr().out == (
        "box: 0 uploaded, 7 unchanged, 0 deleted\nmirror: 0 uploaded, 7 unchanged, 0 deleted\n"
    )


def test_cli_names_the_target_and_exits_1_when_the_host_is_unknown(
    sshd: SshServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    options = {**sshd.options(), "known_hosts": str(empty)}
    root = publication(tmp_path / "pub", {"box": {"url": sshd.url("sftp"), **options}})
    assert main(["--root", str(root), "publish"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"feedpub: box: {sshd.user}@127.0.0.1:{sshd.port}: host key not in {empty}; "
        f"connect once with ssh to record it\n"
    )
    assert tree(sshd.root) == {}
