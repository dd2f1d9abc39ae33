"""The cron, systemd and CI examples in contrib/ (and the README) are syntactically valid."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.needs import unavailable

REPO = Path(__file__).resolve().parent.parent
CONTRIB = REPO / "contrib"
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def check_cron(expression: str) -> None:
    fields = expression.split()
    assert len(fields) == 5, expression
    for field, (low, high) in zip(fields, RANGES, strict=True):
        assert CRON_FIELD.match(field), field
        for number in map(int, re.findall(r"\d+", field.split("/")[0])):
            assert low <= number <= high, f"{field} out of {low}-{high}"


def test_crontab_line() -> None:
    lines = [
        line
        for line in (CONTRIB / "crontab").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) == 1
    schedule, command = " ".join(lines[0].split()[:5]), " ".join(lines[0].split()[5:])
    check_cron(schedule)
    assert "feedpub run --quiet" in command


def test_github_workflow() -> None:
    workflow = yaml.safe_load((CONTRIB / "github" / "feedpub.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    for schedule in triggers["schedule"]:
        check_cron(schedule["cron"])
    steps = workflow["jobs"]["run"]["steps"]
    assert all(("uses" in step) != ("run" in step) for step in steps)
    assert any("feedpub run" in step.get("run", "") for step in steps)


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed (Debian package systemd)")
    for unit in ("feedpub.service", "feedpub.timer"):
        text = (CONTRIB / "systemd" / unit).read_text()
        # verify checks that the program and user exist: point them at ones this machine has
        text = re.sub(r"ExecStart=\S+", "ExecStart=/bin/true", text)
        text = text.replace("User=briefings", "User=root").replace(
            "WorkingDirectory=/srv/briefings", f"WorkingDirectory={tmp_path}"
        )
        (tmp_path / unit).write_text(text)
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "feedpub.service"), str(tmp_path / "feedpub.timer")],
        capture_output=True,
        text=True,
        env={"SYSTEMD_LOG_LEVEL": "err", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_readme_shows_the_checked_files() -> None:
    readme = (REPO / "README.md").read_text()
    for path in (
        "crontab",
        "systemd/feedpub.service",
        "systemd/feedpub.timer",
        "github/feedpub.yml",
    ):
        assert (CONTRIB / path).read_text().strip() in readme, (
            f"README does not show contrib/{path}"
        )
