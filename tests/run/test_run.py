"""`feedpub run` as cron runs it: real processes, killed mid-stage, racing, with targets going down."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.ledger import LEDGER_NAME
from feedpub.run import run
from tests.conftest import NOW
from tests.core.test_pipeline import small_files_only, snapshot
from tests.needs import unavailable

RUN_NOW = "2026-01-01T00:00:00Z"


@pytest.fixture
def pub(mini: Path, tmp_path: Path) -> Path:
    """The mini publication with a folder target at tmp/www (and no WebSub hub: no network)."""
    trade = mini / "feeds" / "trade.yaml"
    trade.write_text(trade.read_text().replace("hubs: [https://hub.example.net/]\n", ""))
    with (mini / "feedpub.yaml").open("a", encoding="utf-8") as settings:
        settings.write(f"targets:\n  local:\n    url: file://{tmp_path / 'www'}\n")
    return mini


def feedpub(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedpub", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def start_paused(
    root: Path,
    stage: str,
    tmp_path: Path,
    *args: str,
    seconds: float = 3600,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """A `feedpub run` that stops at ``stage`` until killed (or ``seconds`` pass)."""
    marker = tmp_path / f"paused-{stage}"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "feedpub",
            "run",
            "--no-pull",
            "--now",
            RUN_NOW,
            "--root",
            str(root),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            **(env or {}),
            "FEEDPUB_PAUSE_AT": stage,
            "FEEDPUB_PAUSE_FILE": str(marker),
            "FEEDPUB_PAUSE_SECONDS": str(seconds),
        },
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = process.communicate()
            pytest.fail(f"run never reached {stage}: exit {process.returncode}\n{out}\n{err}")
        time.sleep(0.05)
    return process


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    process.communicate()


def edit(root: Path, old: str, new: str) -> None:
    path = root / "entries" / "2025" / "talks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.fixture
def published(pub: Path, tmp_path: Path) -> Iterator[Path]:
    """The publication after one successful run."""
    done = feedpub(pub, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout
        == "run: built 21 written, 0 removed; local: 21 uploaded, 0 unchanged, 0 deleted\n"
    )
    yield pub


def test_idle_run_prints_nothing_and_touches_nothing(published: Path, tmp_path: Path) -> None:
    before = snapshot(published / "public"), snapshot(tmp_path / "www")
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (snapshot(published / "public"), snapshot(tmp_path / "www")) == before


def test_quiet_hides_the_summary(pub: Path) -> None:
    done = feedpub(pub, "run", "--quiet", "--no-pull", "--now", RUN_NOW)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (pub / "public" / "all" / "rss.xml").is_file()


def test_second_run_while_one_holds_the_lock_exits_3(published: Path, tmp_path: Path) -> None:
    holder = start_paused(published, "locked", tmp_path)
    try:
        done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
        assert done.returncode == 3
        assert "feedpub: another feedpub run holds" in done.stderr
        assert f"(pid {holder.pid} since " in done.stderr
    finally:
        kill(holder)
    # the killed run's lock is free again; the next run notices and takes over
    after = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert after.returncode == 0
    assert "took over the lock left by a run that ended without releasing it" in after.stderr


def test_killed_mid_build_keeps_old_output_and_next_run_completes(
    published: Path, tmp_path: Path
) -> None:
    before = snapshot(published / "public")
    edit(published, "Talks resume", "Talks resume in Istanbul")
    kill(start_paused(published, "build-swap", tmp_path))
    assert snapshot(published / "public") == before
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 0, done.stderr
    assert b"Talks resume in Istanbul" in (published / "public" / "all" / "rss.xml").read_bytes()
    assert b"Talks resume in Istanbul" in (tmp_path / "www" / "all" / "rss.xml").read_bytes()
    assert [p.name for p in published.iterdir() if p.name.startswith(".public")] == []


def test_killed_mid_publish_serves_old_feeds_then_completes(
    published: Path, tmp_path: Path
) -> None:
    old_feed = (tmp_path / "www" / "all" / "rss.xml").read_bytes()
    edit(published, "Talks resume", "Talks resume in Istanbul")
    kill(start_paused(published, "publish-upload", tmp_path))
    # pages go up before feeds: the reader still gets the old, consistent feed
    assert (tmp_path / "www" / "all" / "rss.xml").read_bytes() == old_feed
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 0, done.stderr
    assert "local: " in done.stdout
    assert b"Talks resume in Istanbul" in (tmp_path / "www" / "all" / "rss.xml").read_bytes()


def test_write_failure_exits_1_and_keeps_old_output(published: Path) -> None:
    before = snapshot(published / "public")
    edit(published, "Talks resume", "Talks resumed")
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "run", "--no-pull", "--now", RUN_NOW],
        capture_output=True,
        text=True,
        cwd=published,
        preexec_fn=small_files_only,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot write the output" in done.stderr and "the old output was kept" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(published / "public") == before


def test_bad_input_exits_2(published: Path) -> None:
    edit(published, "title: Talks resume", "title: [broken")
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 2
    assert done.stderr == (
        "entries/2025/talks.yaml:3:10: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence)\n"
        "feedpub: 1 problem in the publication; nothing was built\n"
    )


def test_scheduled_entry_goes_out_in_first_run_after_due(published: Path, tmp_path: Path) -> None:
    early = feedpub(published, "run", "--no-pull", "--now", "2029-12-31T23:59:00Z")
    assert early.stdout == ""  # not due yet: nothing to do
    due = feedpub(published, "run", "--no-pull", "--now", "2030-01-01T09:00:00Z")
    assert due.returncode == 0
    assert (tmp_path / "www" / "entries" / "future.html").is_file()
    assert b"Scheduled" in (tmp_path / "www" / "all" / "rss.xml").read_bytes()


def test_edit_without_updated_reaches_readers_once(published: Path) -> None:
    edit(
        published,
        "Earlier rounds took place in 2022.",
        "Earlier rounds took place in 2022 and 2023.",
    )
    done = feedpub(published, "run", "--no-pull", "--now", "2026-02-01T12:00:00Z")
    assert done.returncode == 0 and "1 edited" in done.stdout
    ledger = json.loads((published / LEDGER_NAME).read_text())
    assert ledger["entries"]["talks"]["changed"] == "2026-02-01T12:00:00Z"
    atom = (published / "public" / "all" / "atom.xml").read_text()
    assert "<updated>2026-02-01T12:00:00+00:00</updated>" in atom
    # later runs read the time from the ledger: output stays byte-identical
    before = snapshot(published / "public")
    again = feedpub(published, "run", "--no-pull", "--now", "2026-03-01T12:00:00Z")
    assert (again.returncode, again.stdout) == (0, "")
    assert snapshot(published / "public") == before


def test_renamed_entry_is_warned_about(published: Path) -> None:
    old = published / "entries" / "2025" / "talks.yaml"
    text = old.read_text().replace("id: talks\n", "id: talks-renamed\n")
    old.unlink()
    (published / "entries" / "2025" / "talks-renamed.yaml").write_text(text)
    grain = published / "entries" / "2025" / "grain-deal.yaml"
    grain.write_text(grain.read_text().replace("related: [talks]", "related: [talks-renamed]"))
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 0
    assert (
        "entries/2025/talks-renamed.yaml: warning: entry 'talks-renamed' has the same content as 'talks', "
        "which is gone: readers will show it twice; add 'id: talks' to keep the old id [renamed-entry]"
    ) in done.stderr


def test_corrupt_ledger_is_reported_with_its_line(published: Path) -> None:
    (published / LEDGER_NAME).write_text('{\n  "entries": {\n    "talks": oops\n  }\n}\n')
    done = feedpub(published, "run", "--no-pull", "--now", RUN_NOW)
    assert done.returncode == 2
    assert done.stderr.startswith("feedpub.ledger:3:14: error: not valid JSON (Expecting value)")


def test_log_file_gets_timestamped_lines(pub: Path, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    feedpub(pub, "run", "--no-pull", "--now", RUN_NOW, "--log-file", str(log))
    feedpub(pub, "run", "--no-pull", "--now", RUN_NOW, "--log-file", str(log))
    lines = log.read_text().splitlines()
    messages = [line.split(" ", 2)[2] for line in lines]
    assert messages[0] == f"run started in {pub}"
    assert messages[-1] == "run finished: nothing changed"
    assert "published local: 21 uploaded, 0 unchanged, 0 deleted" in messages
    assert all(datetime.strptime(line.split(" ")[0], "%Y-%m-%dT%H:%M:%SZ") for line in lines)


def test_library_call_is_idempotent(pub: Path) -> None:
    first = run(pub, pull=False, now=NOW)
    second = run(pub, pull=False, now=NOW)
    assert first.changed and not second.changed
    assert datetime.now(UTC) > NOW


def test_target_down_mid_run_exits_1_and_next_run_publishes_the_rest(
    pub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from tests.publish.servers_s3 import S3Server

    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDFEEDPUBTEST",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }.items():
        monkeypatch.setenv(name, value)
    server = S3Server()
    try:
        server.start()
    except OSError as exc:
        unavailable(f"moto's S3 server cannot start: {exc}")
    try:
        client = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="briefings")
        with (pub / "feedpub.yaml").open("a", encoding="utf-8") as settings:
            settings.write(
                f"  cloud:\n    url: s3://briefings/news\n    endpoint_url: {server.endpoint}\n"
                "    region: us-east-1\n"
            )

        def feed() -> bytes:
            return bytes(
                client.get_object(Bucket="briefings", Key="news/all/rss.xml")["Body"].read()
            )

        first = feedpub(pub, "run", "--no-pull", "--target", "cloud", "--now", RUN_NOW)
        assert first.returncode == 0, first.stderr
        old_feed = feed()
        edit(pub, "Talks resume", "Talks resume in Istanbul")
        # the run pauses after its first upload; the server goes down meanwhile
        running = start_paused(pub, "publish-upload", tmp_path, "--target", "cloud", seconds=1)
        server.stop()
        _out, err = running.communicate(timeout=120)
        assert running.returncode == 1
        assert "cloud: uploading " in err and "Traceback" not in err
        server.start()  # same port, same objects
        assert feed() == old_feed  # readers still get the old, consistent feed
        done = feedpub(pub, "run", "--no-pull", "--target", "cloud", "--now", RUN_NOW)
        assert done.returncode == 0, done.stderr
        assert "cloud: " in done.stdout
        assert b"Talks resume in Istanbul" in feed()
    finally:
        server.stop()
