"""git+file:// targets against a local bare repository: branch tips, .nojekyll/CNAME, no-op runs, races."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from feedpub.errors import PublishError
from feedpub.publish import MANIFEST_NAME, PublishOptions, TargetConfig, publish_output
from feedpub.publish.git import GitTarget
from feedpub.publish.plan import make_plan, scan_output
from feedpub.publish.retry import RetryPolicy
from tests.publish.site import build_output

FAST = RetryPolicy(attempts=2, backoff=0.01)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def branch_files(repo: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    names = git(repo, "ls-tree", "-r", "--name-only", branch).splitlines()
    return {
        name: subprocess.run(
            ["git", "-C", str(repo), "cat-file", "blob", f"{branch}:{name}"],
            check=True,
            capture_output=True,
        ).stdout
        for name in names
    }


def config(repo: Path, branch: str = "gh-pages", **options: object) -> TargetConfig:
    url = f"git+{repo.as_uri()}#{branch}"
    return TargetConfig("pages", url, {"url": url, **options})


def run(output: Path, target: TargetConfig, **kw: object) -> str:
    [report] = publish_output(output, [target], options=PublishOptions(retry=FAST, **kw))  # type: ignore[arg-type]
    return report.summary()


def test_output_becomes_the_branch_tip_with_nojekyll_and_cname(
    bare_repo: Path, tmp_path: Path
) -> None:
    output = build_output(tmp_path / "public")
    assert (
        run(output, config(bare_repo, cname="news.example.org"))
        == "9 uploaded, 0 unchanged, 0 deleted"
    )
    files = branch_files(bare_repo)
    assert files.pop(".nojekyll") == b""
    assert files.pop("CNAME") == b"news.example.org\n"
    manifest = json.loads(files.pop(MANIFEST_NAME))
    assert sorted(manifest["files"]) == sorted(
        p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()
    )
    assert files == {
        p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()
    }
    assert git(bare_repo, "rev-list", "--count", "gh-pages") == "1"


def test_no_commit_when_nothing_changed_and_one_commit_per_change(
    bare_repo: Path, tmp_path: Path
) -> None:
    run(build_output(tmp_path / "v1"), config(bare_repo))
    tip = git(bare_repo, "rev-parse", "gh-pages")
    assert (
        run(build_output(tmp_path / "v1b"), config(bare_repo))
        == "0 uploaded, 9 unchanged, 0 deleted"
    )
    assert git(bare_repo, "rev-parse", "gh-pages") == tip
    assert (
        run(build_output(tmp_path / "v2", 2, ("first",)), config(bare_repo), delete=True)
        == "6 uploaded, 2 unchanged, 1 deleted"
    )
    assert git(bare_repo, "rev-parse", "gh-pages^") == tip
    files = branch_files(bare_repo)
    assert "entries/second.html" not in files
    assert files["news/rss.xml"] == (tmp_path / "v2/news/rss.xml").read_bytes()


def test_the_users_work_tree_and_index_are_untouched(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    (repo / "notes.txt").write_text("draft\n")
    git(repo, "add", "notes.txt")
    (repo / "notes.txt").write_text("draft, edited\n")
    status = git(repo, "status", "--porcelain")
    index = (repo / ".git/index").read_bytes()
    run(build_output(tmp_path / "public"), config(repo))
    assert git(repo, "status", "--porcelain") == status
    assert (repo / ".git/index").read_bytes() == index
    assert (repo / "notes.txt").read_text() == "draft, edited\n"
    assert "news/rss.xml" in branch_files(repo)


def test_a_branch_that_moved_on_is_not_overwritten(bare_repo: Path, tmp_path: Path) -> None:
    run(build_output(tmp_path / "v1"), config(bare_repo))
    target = GitTarget(config(bare_repo))
    target.open()
    try:
        files = scan_output(build_output(tmp_path / "v2", 2))
        plan = make_plan("pages", files, target.remote_digests())
        # Someone else pushes to the branch after we read it.
        tree = git(bare_repo, "rev-parse", "gh-pages^{tree}")
        other = subprocess.run(
            [
                "git",
                "-C",
                str(bare_repo),
                "-c",
                "user.name=x",
                "-c",
                "user.email=x@x",
                "commit-tree",
                tree,
                "-p",
                "gh-pages",
                "-m",
                "by hand",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        git(bare_repo, "update-ref", "refs/heads/gh-pages", other)
        for upload in plan.uploads:
            target.upload(upload.file)
        with pytest.raises(
            PublishError,
            match=r"^pages: branch 'gh-pages' moved on since this publish "
            r"read it; refusing a non-fast-forward push",
        ):
            target.commit(plan.digests)
    finally:
        target.close()
    assert git(bare_repo, "rev-parse", "gh-pages") == other


def test_an_unreachable_repository_is_named(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"^pages: cannot read file://.*/missing.git: "):
        run(build_output(tmp_path / "public"), config(tmp_path / "missing.git"))
