"""A target's configuration in, the Target object for its URL scheme out (imported lazily)."""

from __future__ import annotations

import difflib
import importlib
from typing import Any, cast
from urllib.parse import urlsplit

from feedpub.errors import UsageError
from feedpub.publish.base import Target, TargetConfig
from feedpub.redact import (
    CREDENTIAL_SOURCES,
    NO_CREDENTIALS,
    credentials_problem,
    is_secret_name,
    redact_url,
)

# scheme → (module, class). Modules are imported only when a target uses them, so a missing
# optional library (boto3, paramiko) only matters to the targets that need it.
SCHEMES: dict[str, tuple[str, str]] = {
    "file": ("feedpub.publish.folder", "FolderTarget"),
    "s3": ("feedpub.publish.s3", "S3Target"),
    "git+file": ("feedpub.publish.git", "GitTarget"),
    "git+ssh": ("feedpub.publish.git", "GitTarget"),
    "sftp": ("feedpub.publish.sftp", "SftpTarget"),
    "rsync": ("feedpub.publish.rsync", "RsyncTarget"),
    "webdav": ("feedpub.publish.webdav", "WebdavTarget"),
    "webdavs": ("feedpub.publish.webdav", "WebdavTarget"),
}
EXTRAS = {"s3": "s3", "sftp": "sftp"}
LIBRARIES = {"boto3", "botocore", "paramiko"}


def check_credentials(config: TargetConfig) -> None:
    """UsageError (exit 2) when the target's URL or options carry a secret; the secret is not echoed."""
    problem = credentials_problem(config.url, config.options)
    if problem:
        raise UsageError(f"target {config.name!r}: {problem}")


def scheme_of(config: TargetConfig) -> str:
    scheme = urlsplit(config.url).scheme.lower()
    if scheme == "sftp" and config.options.get("mode") == "rsync":
        return "rsync"
    return scheme


def make_target(config: TargetConfig) -> Target:
    """The Target for ``config.url``; UsageError for an unknown scheme or a missing extra."""
    check_credentials(config)
    scheme = scheme_of(config)
    if scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, SCHEMES, n=1)
        hint = f"; did you mean {close[0]}://?" if close else ""
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UsageError(
            f"target {config.name!r}: unknown URL scheme in {redact_url(config.url)}{hint} "
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
    common = {"url", "cache_control", "mode", "jobs"}
    unknown = sorted(set(config.options) - allowed - common)
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(allowed | common), n=1)
        if close:  # a typo of a known option, however secret its name sounds
            raise UsageError(
                f"target {config.name!r}: unknown option {name!r}; did you mean {close[0]!r}?"
            )
        if is_secret_name(name):
            scheme = urlsplit(config.url).scheme.lower()
            raise UsageError(
                f"target {config.name!r}: {name!r} does not belong in feedpub.yaml; "
                f"{CREDENTIAL_SOURCES.get(scheme, NO_CREDENTIALS)}"
            )
    if unknown:
        raise UsageError(f"target {config.name!r}: unknown option {unknown[0]!r}")
