"""A built output folder in, a copy of it out: the least any build spends putting its files on disk.

``--link`` hard-links each file instead of writing it: what a rebuild that swaps in a whole new
folder spends at the least when nothing changed. Files are read into memory first; the copy's
folder must not exist yet.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="a built output folder (public/)")
    parser.add_argument("copy", type=Path, help="where to make the copy (must not exist)")
    parser.add_argument("--link", action="store_true", help="hard-link instead of writing")
    args = parser.parse_args(argv)
    files: list[tuple[str, bytes]] = []
    for folder, _dirs, names in os.walk(args.output):
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, args.output)
            files.append((rel, b"" if args.link else Path(path).read_bytes()))
    made: set[str] = set()
    for rel, data in sorted(files):
        parent = os.path.dirname(rel)
        if parent not in made:
            os.makedirs(args.copy / parent, exist_ok=True)
            made.add(parent)
        if args.link:
            os.link(args.output / rel, args.copy / rel)
            continue
        fd = os.open(args.copy / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    print(f"{len(files)} files {'linked' if args.link else 'written'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
