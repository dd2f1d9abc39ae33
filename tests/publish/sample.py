"""Test data for the SSH and WebDAV target tests: a version number in → a small output folder out.

Also a helper that publishes an output folder to a target through the planner, as the CLI does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from feedpub.publish.base import Target
from feedpub.publish.execute import execute
from feedpub.publish.plan import Plan, cache_rules, make_plan, scan_output
from feedpub.publish.retry import RetryPolicy

FAST = RetryPolicy(attempts=2, backoff=0.01)


def write_output(folder: Path, version: int = 1, extra: tuple[str, ...] = ()) -> Path:
    """Pages, a stylesheet and the three feeds of one feed ``all``; ``version`` changes
    the second entry and the feeds, so version 2 uploads exactly those and the index."""
    files = {
        "entries/first.html": "<!doctype html><title>First</title>\n",
        "entries/second.html": f"<!doctype html><title>Second, take {version}</title>\n",
        "style.css": "body { font-family: serif; }\n",
        "all/feed.json": f'{{"version": "https://jsonfeed.org/version/1.1", "title": "v{version}"}}\n',
        "all/atom.xml": f'<feed xmlns="http://www.w3.org/2005/Atom"><title>v{version}</title></feed>\n',
        "all/rss.xml": f'<rss version="2.0"><channel><title>v{version}</title></channel></rss>\n',
        "index.html": f"<!doctype html><title>Index {version}</title>\n",
    }
    files.update({path: f"extra {path}\n" for path in extra})
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folder


def publish(
    target: Target,
    output: Path,
    delete: bool = False,
    max_deletes: int = 10,
    policy: RetryPolicy = FAST,
    progress: Callable[[str, int, int], None] | None = None,
) -> Plan:
    """One publish of ``output`` to ``target``: open, plan against its digests, execute, close."""
    config = target.config
    files = scan_output(output, cache_rules(config.options.get("cache_control"), config.name))
    target.open()
    try:
        plan = make_plan(config.name, files, target.remote_digests(), delete, max_deletes)
        execute(target, plan, policy, progress)
    finally:
        target.close()
    return plan


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by POSIX path, for comparing what arrived."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def publication(root: Path, targets: dict[str, dict[str, object]]) -> Path:
    """A publication root (feedpub.yaml, one feed) whose output folder holds ``write_output``."""
    root.mkdir(parents=True, exist_ok=True)
    settings = {"title": "Briefings", "base_url": "https://news.example.org/", "targets": targets}
    (root / "feedpub.yaml").write_text(json.dumps(settings))  # JSON is YAML
    (root / "feeds").mkdir(exist_ok=True)
    (root / "feeds/all.yaml").write_text(json.dumps({"title": "All"}))
    write_output(root / "public")
    return root
