"""feedpub: YAML briefing entries in, validated RSS 2.0, Atom 1.0 and JSON Feed out, published anywhere."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # One place for the version: pyproject.toml, read from the installed package's metadata
    # (on first use only: importlib.metadata is slow to import).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("feedpub")
    except PackageNotFoundError:  # a source tree run without installing
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'feedpub' has no attribute {name!r}")
