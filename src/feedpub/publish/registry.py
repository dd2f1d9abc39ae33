"""A target's configuration in, the Target object for its URL scheme out (imported lazily)."""

from __future__ import annotations

import difflib
import importlib
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from feedpub.errors import UsageError
from feedpub.publish.base import Target, TargetConfig

# scheme → (module, class). Modules are imported only when a target uses them, so a missing
# optional library (boto3, paramiko) only matters to the targets that need it.
SCHEMES: dict[str, tuple[str, str]] = {
    "file": ("feedpub.publish.folder", "FolderTarget"),
    "s3": ("feedpub.publish.s3", "S3Target"),
    "git+file": ("feedpub.publish.git", "GitTarget"),
    "git+ssh": ("feedpub.publish.git", "GitTarget"),
    "sftp": ("feedpub.publish.sftp", "SftpTarget"),
    "rsync": ("feedpub.publish.sftp", "RsyncTarget"),
    "webdav": ("feedpub.publish.webdav", "WebdavTarget"),
    "webdavs": ("feedpub.publish.webdav", "WebdavTarget"),
}
EXTRAS = {"s3": "s3", "sftp": "sftp", "rsync": "sftp"}
LIBRARIES = {"boto3", "botocore", "paramiko"}


def redact(url: str) -> str:
    """``url`` without a password, for messages: credentials never reach output or logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc))


def scheme_of(config: TargetConfig) -> str:
    scheme = urlsplit(config.url).scheme.lower()
    if scheme == "sftp" and config.options.get("mode") == "rsync":
        return "rsync"
    return scheme


def make_target(config: TargetConfig) -> Target:
    """The Target for ``config.url``; UsageError for an unknown scheme or a missing extra."""
    scheme = scheme_of(config)
    if scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, SCHEMES, n=1)
        hint = f"; did you mean {close[0]}://?" if close else ""
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UsageError(
            f"target {config.name!r}: unknown URL scheme in {redact(config.url)}{hint} "
            f"(known: {known})"
        )
    module_name, class_name = SCHEMES[scheme]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name in LIBRARIES:
            extra = EXTRAS.get(scheme, scheme)
            raise UsageError(
                f"target {config.name!r}: {scheme}:// targets need {exc.name}; "
                f"install it with: pip install 'feedpub[{extra}]'"
            ) from exc
        if exc.name == module_name:
            raise UsageError(
                f"target {config.name!r}: {scheme}:// targets are not available "
                f"in this version of feedpub"
            ) from exc
        raise
    cls: Any = getattr(module, class_name)
    return cast(Target, cls(config))


def check_options(config: TargetConfig, allowed: set[str]) -> None:
    """UsageError for an option this target does not know: a typo must not vanish silently."""
    common = {"url", "cache_control", "mode"}
    unknown = sorted(set(config.options) - allowed - common)
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, sorted(allowed | common), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"target {config.name!r}: unknown option {name!r}{hint}")
