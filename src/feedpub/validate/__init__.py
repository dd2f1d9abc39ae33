"""Feed bytes in, Problems out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 checked against their specs.

``validate_bytes`` judges one feed (validate/document.py); ``validate_targets`` serves
``feedpub validate`` (validate/targets.py); ``feed_id_map`` gives the entry-key → id map a
build keeps to spot ids that changed.

The checks sit below the loader (``load`` uses ``validate.urls`` for the URLs it reads), and
only ``targets`` sits above it (it reads feedpub.yaml to find the last build), so ``targets``
is imported on first use: importing a check never imports the loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feedpub.validate.document import detect_format, feed_id_map, validate_bytes

if TYPE_CHECKING:
    from feedpub.validate.targets import ValidationRun, validate_targets

__all__ = ["ValidationRun", "detect_format", "feed_id_map", "validate_bytes", "validate_targets"]


def __getattr__(name: str) -> Any:
    if name in ("ValidationRun", "validate_targets"):
        from feedpub.validate import targets

        return getattr(targets, name)
    raise AttributeError(f"module 'feedpub.validate' has no attribute {name!r}")
