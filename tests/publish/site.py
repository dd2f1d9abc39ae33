"""Test data for the planner, folder, S3, git and CLI tests: a version in → a small output folder out."""

from __future__ import annotations

from pathlib import Path

# 1x1 transparent PNG: an image asset with bytes that are not text.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def build_output(
    folder: Path, version: int = 1, entries: tuple[str, ...] = ("first", "second")
) -> Path:
    """Entry pages, a stylesheet, an image and feed ``news`` in three formats.

    Raising ``version`` changes the last entry page, the three feeds and both index pages.
    """
    files: dict[str, str | bytes] = {
        "style.css": "body { font-family: serif; }\n",
        "images/logo.png": PNG,
        "news/rss.xml": f'<rss version="2.0"><channel><title>v{version}</title></channel></rss>\n',
        "news/atom.xml": f'<feed xmlns="http://www.w3.org/2005/Atom"><title>v{version}</title></feed>\n',
        "news/feed.json": f'{{"version": "https://jsonfeed.org/version/1.1", "title": "v{version}"}}\n',
        "news/index.html": f"<!doctype html><title>News {version}</title>\n",
        "index.html": f"<!doctype html><title>Home {version}</title>\n",
    }
    for i, entry in enumerate(entries):
        take = version if i == len(entries) - 1 else 1
        files[f"entries/{entry}.html"] = f"<!doctype html><title>{entry} {take}</title>\n"
    for path, content in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
