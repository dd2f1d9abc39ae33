"""The command line end to end: exit codes, exact stderr, no tracebacks for user mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from feedpub import __version__
from feedpub.cli import cli, main
from tests.conftest import NOW, WritePub


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys) == (0, f"feedpub, version {__version__}\n", "")


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, f"feedpub, version {__version__}\n")


def test_every_command_has_help_with_a_summary() -> None:
    for name, command in cli.commands.items():
        assert command.help, f"feedpub {name} has no help text"
    assert "Examples:" in (cli.epilog or "")


def test_build_root_option_after_the_command(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["build", "--root", str(mini), "--now", "2026-01-01T00:00:00Z"], capsys)
    assert (code, err) == (0, "")
    assert out == "built 2 feeds from 2 entries into public/: 21 written, 0 unchanged, 0 removed\n"
    code, out, _ = run(["--root", str(mini), "build", "--now", "2026-01-01T00:00:00Z"], capsys)
    assert out == "public/ is up to date (2 entries, 2 feeds)\n"


def test_root_from_environment(
    mini: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDPUB_ROOT", str(mini))
    code, _, _ = run(["-q", "build", "--now", "2026-01-01T00:00:00Z"], capsys)
    assert code == 0 and (mini / "public" / "all" / "rss.xml").is_file()


def test_bad_input_exit_2_every_problem_no_traceback(
    write_pub: WritePub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_pub(
        entries={
            "a.yaml": "title: A\npublished: 2025-05-01\nsections:\n  - heading: H\n    points: {a: b}\n",
            "b.yaml": "title: B\n",
        }
    )
    code, out, err = run(["build", "--root", str(root)], capsys)
    assert code == 2 and out == ""
    assert err == (
        "entries/a.yaml:5:13: error: sections[0].points: expected a list of strings, got a mapping\n"
        "entries/b.yaml:1:1: error: missing required field 'published'\n"
        "feedpub: 2 problems in the publication; nothing was built\n"
    )
    assert not (root / "public").exists()


def test_quiet_build_prints_nothing(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["build", "-q", "--root", str(mini)], capsys) == (0, "", "")


def test_bad_now_is_a_usage_error(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["build", "--root", str(mini), "--now", "soon"], capsys)
    assert code == 2
    assert "Invalid value for '--now': expected an ISO 8601 time, got 'soon'" in err


def test_init_then_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "fresh"
    code, out, _ = run(["init", str(target), "--title", "Fresh: News"], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"created {target / 'feedpub.yaml'}",
        f"created {target / 'feeds' / 'all.yaml'}",
        f"created {target / 'entries' / 'welcome.yaml'}",
        f"created {target / '.gitignore'}",
        "its look comes from templates: `feedpub templates` lists them, "
        "`feedpub templates copy entry.html` copies one into templates/ to edit",
    ]
    code, out, err = run(["build", "--root", str(target)], capsys)
    assert (code, err) == (0, "")
    assert (target / "public" / "all" / "atom.xml").is_file()
    code, _, err = run(["init", str(target)], capsys)
    assert code == 2 and "already exists; not overwriting a publication" in err


def test_new_writes_an_entry_that_builds(mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "new",
            "--root",
            str(mini),
            'Café: talks "resume"',
            "--tag",
            "diplomacy",
            "--now",
            "2025-06-01T12:00:00Z",
        ],
        capsys,
    )
    path = Path(out.strip())
    assert code == 0 and path == mini / "entries" / "2025" / "cafe-talks-resume.yaml"
    text = path.read_text()
    assert 'title: "Café: talks \\"resume\\""' in text
    assert "published: 2025-06-01T14:00:00+02:00" in text
    code, _, err = run(["build", "--root", str(mini), "--now", "2026-01-01T00:00:00Z"], capsys)
    assert (code, err) == (0, "")
    assert (mini / "public" / "entries" / "cafe-talks-resume.html").is_file()
    code, out, _ = run(
        ["new", "--root", str(mini), "Café: talks resume", "--now", "2025-06-01T12:00:00Z"], capsys
    )
    assert Path(out.strip()).name == "cafe-talks-resume-2.yaml"


def test_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["build", "--root", str(tmp_path / "nowhere")], capsys)
    assert code == 2
    assert err.startswith(f"feedpub.yaml: error: not found in {tmp_path / 'nowhere'} (no folder ")


def test_init_copy_edit_build_as_the_readme_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["init", "harbour"], capsys)[0] == 0
    monkeypatch.chdir(tmp_path / "harbour")
    assert run(["templates", "copy", "entry.html"], capsys) == (
        0,
        "created templates/entry.html\n",
        "",
    )
    code, out, _ = run(["templates"], capsys)
    assert (code, out.splitlines()) == (
        0,
        [
            "404.html         package",
            "archive.html     package",
            "base.html        package",
            "briefing.html    package",
            "entry.html       overridden",
            "feed.html        package",
            "home.html        package",
            "listing.html     package",
            "pagination.html  package",
            "search.html      package",
            "tag.html         package",
            "tags.html        package",
            "year.html        package",
        ],
    )
    page = Path("templates/entry.html")
    page.write_text(
        page.read_text().replace(
            "<h1>{{ entry.title }}</h1>", '<h1 class="headline">{{ entry.title }}</h1>'
        )
    )
    code, out, err = run(["build"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("built 1 feed from 1 entry into public/: ")
    html = Path("public/entries/welcome.html").read_text()
    assert '<h1 class="headline">Welcome to your briefings</h1>' in html


def test_templates_copy_refuses_to_overwrite_and_unknown_names(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["templates", "copy", "--root", str(mini), "base.html"], capsys)[0] == 0
    code, _, err = run(["templates", "copy", "--root", str(mini), "base.html"], capsys)
    assert (code, err) == (
        2,
        "feedpub: templates/base.html already exists; not overwriting (--force replaces it)\n",
    )
    assert run(["templates", "copy", "--force", "--root", str(mini), "base.html"], capsys)[0] == 0
    code, _, err = run(["templates", "copy", "--root", str(mini), "page.html"], capsys)
    assert code == 2
    assert err.startswith(
        "feedpub: no default template 'page.html'; the defaults are: 404.html, archive.html,"
    )


def test_template_error_exits_2_with_its_location(
    mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (mini / "templates").mkdir()
    (mini / "templates" / "home.html").write_text('{% extends "base.html" %}\n{{ oops(\n')
    code, _, err = run(["build", "--root", str(mini)], capsys)
    assert code == 2
    assert err.splitlines() == [
        "templates/home.html:2: error: syntax: unexpected 'end of template'",
        "feedpub: 1 problem in the templates; nothing was built",
    ]
    assert not (mini / "public").exists()


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize("name", [name for name, _ in _commands(cli)])
def test_every_command_help_ends_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    examples = result.output.rstrip().split("Examples:\n")
    assert len(examples) == 2, f"feedpub {name} --help has no Examples section"
    assert all(line.strip().startswith("feedpub ") for line in examples[1].splitlines())


def test_global_options_work_after_the_command_too(mini: Path) -> None:
    before = CliRunner().invoke(cli, ["--root", str(mini), "-v", "build", "--now", NOW.isoformat()])
    assert before.exit_code == 0, before.output
    after = CliRunner().invoke(
        cli, ["build", "-v", "-q", "--root", str(mini), "--force", "--now", NOW.isoformat()]
    )
    assert after.exit_code == 0, after.output
    assert after.output == ""  # -q after the command silences the summary
