"""feedpub: YAML briefing entries in, validated RSS 2.0, Atom 1.0 and JSON Feed out, published anywhere.

The library API, one call per command that does work, each returning a typed result and
raising a ``FeedpubError`` (with file and line) for bad input::

    import feedpub
    report = feedpub.pull(root)                 # PullReport: fetched, dead, moved …
    result = feedpub.build(root)                # BuildResult: written, unchanged, warnings …
    checked = feedpub.validate([], root=root)   # ValidationRun: problems, exit_code
    reports = feedpub.publish(root)             # [PublishReport] per target
    outcome = feedpub.run(root)                 # RunResult: the cron job, all of the above

Names are imported on first use, so ``import feedpub`` stays cheap.
"""

from __future__ import annotations

import sys
import types
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedpub.errors import FeedpubError, Problem
    from feedpub.pipeline import BuildResult, build
    from feedpub.publish import PublishOptions, PublishReport, publish
    from feedpub.run import RunResult, run
    from feedpub.run import pull_publication as pull
    from feedpub.sources.pull import PullReport
    from feedpub.validate import ValidationRun
    from feedpub.validate import validate_targets as validate

    __version__: str

__all__ = [
    "BuildResult",
    "FeedpubError",
    "Problem",
    "PublishOptions",
    "PublishReport",
    "PullReport",
    "RunResult",
    "ValidationRun",
    "__version__",
    "build",
    "publish",
    "pull",
    "run",
    "validate",
]

_EXPORTS = {
    "BuildResult": ("feedpub.pipeline", "BuildResult"),
    "FeedpubError": ("feedpub.errors", "FeedpubError"),
    "Problem": ("feedpub.errors", "Problem"),
    "PublishOptions": ("feedpub.publish", "PublishOptions"),
    "PublishReport": ("feedpub.publish", "PublishReport"),
    "PullReport": ("feedpub.sources.pull", "PullReport"),
    "RunResult": ("feedpub.run", "RunResult"),
    "ValidationRun": ("feedpub.validate", "ValidationRun"),
    "build": ("feedpub.pipeline", "build"),
    "publish": ("feedpub.publish", "publish"),
    "pull": ("feedpub.run", "pull_publication"),
    "run": ("feedpub.run", "run"),
    "validate": ("feedpub.validate", "validate_targets"),
}


@cache
def _version() -> str:
    # One place for the version: pyproject.toml, read from the installed package's metadata
    # (on first use only). A build with nothing to do needs it for its stamp, and importing
    # importlib.metadata costs a fifth of such a build: the METADATA file is read directly
    # when the search importlib.metadata makes would find exactly one.
    found = _metadata_version()
    if found:
        return found
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("feedpub")
    except PackageNotFoundError:  # a source tree run without installing
        return "0+unknown"


def _metadata_version() -> str | None:
    """The Version of the first feedpub-*.dist-info along sys.path; None when in doubt."""
    import os

    for entry in sys.path:
        try:
            names = [
                name
                for name in os.listdir(entry or ".")
                if name.endswith(".dist-info") and name.lower().startswith("feedpub-")
            ]
        except (OSError, TypeError):
            continue
        if len(names) != 1:
            if names:
                return None  # two installs in one folder: let importlib.metadata choose
            continue
        try:
            with open(os.path.join(entry or ".", names[0], "METADATA"), encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        break
                    key, _, value = line.partition(":")
                    if key == "Version":
                        return value.strip() or None
        except OSError:
            return None
        return None
    return None


class _Package(types.ModuleType):
    """``feedpub.run``, ``feedpub.validate`` and ``feedpub.publish`` are the API's functions.

    They share their names with submodules, and importing a submodule sets it as an attribute
    of its package; this package keeps the function instead (the submodule stays reachable as
    ``sys.modules["feedpub.run"]`` and through ``from feedpub.run import …``).
    """

    def __getattr__(self, name: str) -> Any:
        if name == "__version__":
            return _version()
        if name in _EXPORTS:
            module, attribute = _EXPORTS[name]
            value = getattr(import_module(module), attribute)
            object.__setattr__(self, name, value)
            return value
        raise AttributeError(f"module 'feedpub' has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            self.__dict__.pop(name, None)  # the function is looked up again on first use
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
