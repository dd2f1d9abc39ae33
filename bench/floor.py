"""A publication root in, nothing out: parse every entry file with libyaml's C loader, on one core.

The floor for a cold build: no build can be faster than reading its entries, unless it parses
faster than libyaml (or in parallel).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the publication root (entries/ under it)")
    args = parser.parse_args(argv)
    count = 0
    for path in sorted((args.root / "entries").rglob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            yaml.load(handle, Loader=yaml.CSafeLoader)
        count += 1
    print(f"{count} files parsed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
