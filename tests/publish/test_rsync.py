"""RsyncTarget (system rsync over ssh) against a real sshd on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feedpub.errors import PublishError
from feedpub.publish.base import MANIFEST_NAME, TargetConfig
from feedpub.publish.registry import make_target
from feedpub.publish.rsync import RsyncTarget, rsync_pattern
from tests.publish import servers_ssh
from tests.publish.sample import publication, publish, tree, write_output
from tests.publish.servers_ssh import SshServer

sshd = servers_ssh.sshd  # the fixture, used by name

FEEDS = ["all/atom.xml", "all/feed.json", "all/rss.xml"]


def target(server: SshServer, **options: object) -> RsyncTarget:
    return RsyncTarget(TargetConfig("mirror", server.url("rsync"), {**server.options(), **options}))


def served(server: SshServer) -> dict[str, bytes]:
    arrived = tree(server.root)
    arrived.pop(MANIFEST_NAME, None)
    return arrived


def test_both_spellings_choose_rsync(sshd: SshServer) -> None:
    by_scheme = make_target(TargetConfig("m", sshd.url("rsync"), sshd.options()))
    by_mode = make_target(TargetConfig("m", sshd.url("sftp"), {**sshd.options(), "mode": "rsync"}))
    assert type(by_scheme) is RsyncTarget
    assert type(by_mode) is RsyncTarget


def test_publish_then_nothing_then_only_changes(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    plan = publish(target(sshd), output)
    assert len(plan.uploads) == 7
    assert served(sshd) == tree(output)
    assert json.loads((sshd.root / MANIFEST_NAME).read_text()) == {
        "version": 1,
        "files": plan.digests,
    }
    assert not list(sshd.root.rglob("*~tmp~*"))  # --delay-updates cleaned up

    plan = publish(target(sshd), output)
    assert plan.uploads == ()

    write_output(output, version=2)
    plan = publish(target(sshd), output)
    assert [u.file.path for u in plan.uploads] == [
        "entries/second.html", "all/feed.json", "all/atom.xml", "all/rss.xml", "index.html",
    ]  # fmt: skip
    assert served(sshd) == tree(output)


def test_missing_root_folder_is_made(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    deep = sshd.root / "new" / "site"
    rsync = RsyncTarget(TargetConfig("mirror", sshd.url("rsync", deep), sshd.options()))
    publish(rsync, output)
    arrived = tree(deep)
    arrived.pop(MANIFEST_NAME)
    assert arrived == tree(output)


def test_deletions(sshd: SshServer, tmp_path: Path) -> None:
    odd = "old/[draft] *1?.html"  # rsync wildcards in a name must match only that file
    output = write_output(tmp_path / "out", extra=("old/a.html", odd))
    publish(target(sshd), output)
    (sshd.root / "old/unrelated.html").write_text("someone else's file\n")
    shutil.rmtree(output / "old")

    plan = publish(target(sshd), output, delete=True, max_deletes=1)
    assert plan.refused.startswith("2 files would be deleted")
    assert (sshd.root / odd).exists()

    plan = publish(target(sshd), output, delete=True)
    assert plan.deletes == ("old/[draft] *1?.html", "old/a.html")
    assert sorted(p.name for p in (sshd.root / "old").iterdir()) == ["unrelated.html"]
    assert served(sshd) == {**tree(output), "old/unrelated.html": b"someone else's file\n"}


def test_server_stopped_mid_publish_then_next_publish_completes(
    sshd: SshServer, tmp_path: Path
) -> None:
    output = write_output(tmp_path / "out")
    publish(target(sshd), output)
    old = tree(sshd.root)
    write_output(output, version=2)

    def stop_after_pages(path: str, done: int, total: int) -> None:
        if done == 1:  # entries/second.html is queued; the feeds' phase sends it
            sshd.stop()

    with pytest.raises(PublishError) as caught:
        publish(target(sshd), output, progress=stop_after_pages)
    assert caught.value.message.startswith(
        "mirror: uploading all/feed.json failed: sending entries/second.html: "
    )
    assert tree(sshd.root) == old

    sshd.start()
    publish(target(sshd), output)
    assert served(sshd) == tree(output)


def test_refused_file_leaves_old_feeds(sshd: SshServer, tmp_path: Path) -> None:
    output = write_output(tmp_path / "out")
    publish(target(sshd), output)
    old = tree(sshd.root)
    write_output(output, version=2)
    (sshd.root / "entries/second.html").unlink()
    (sshd.root / "entries/second.html").mkdir()  # the host refuses this one file:
    (sshd.root / "entries/second.html/keep").write_text("")  # a folder rsync may not remove

    with pytest.raises(PublishError) as caught:
        publish(target(sshd), output)
    assert caught.value.message.startswith(
        "mirror: uploading all/feed.json failed: sending entries/second.html: "
    )
    for feed in [*FEEDS, MANIFEST_NAME]:
        assert (sshd.root / feed).read_bytes() == old[feed]

    shutil.rmtree(sshd.root / "entries/second.html")
    publish(target(sshd), output)
    assert served(sshd) == tree(output)


def test_unknown_host_is_refused(sshd: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(PublishError) as caught:
        target(sshd, known_hosts=str(empty)).open()
    assert (
        caught.value.message
        == f"mirror: {sshd.user}@127.0.0.1:{sshd.port}: Host key verification failed."
    )


@pytest.mark.parametrize(
    ("path", "pattern"),
    [("a/b.html", "a/b.html"), ("a/[x].html", "a/\\[x].html"), ("a\\b*?", "a\\\\b\\*\\?")],
)
def test_rsync_pattern_escapes_wildcards(path: str, pattern: str) -> None:
    assert rsync_pattern(path) == pattern


def test_rsync_targets_work_without_paramiko(sshd: SshServer, tmp_path: Path) -> None:
    """A process where paramiko cannot be imported publishes over rsync; sftp:// says what it needs."""
    targets = {
        "mirror": {"url": sshd.url("rsync"), **sshd.options()},
        "sftp": {"url": sshd.url("sftp"), **sshd.options()},
    }
    root = publication(tmp_path / "pub", targets)
    no_paramiko = (
        "import sys; sys.modules['paramiko'] = None; "
        "from feedpub.cli import main; sys.exit(main(sys.argv[1:]))"
    )

    def feedpub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", no_paramiko, "--root", str(root), "publish", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = feedpub("mirror")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "mirror: 7 uploaded, 0 unchanged, 0 deleted\n",
        "",
    )
    assert served(sshd) == tree(root / "public")
    done = feedpub("sftp")
    assert (done.returncode, done.stderr) == (
        2,
        "feedpub: target 'sftp': sftp:// targets need paramiko; "
        "install it with: pip install 'feedpub[sftp]'\n",
    )
