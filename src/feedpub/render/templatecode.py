"""Jinja2's compiled template code in, kept in memory for the process and on disk for the next one.

A build with work to do would otherwise compile every template again (about 0.5 s for the
package's). On disk the code lives under the publication's ``.feedpub/cache/templates/KEY/``,
where KEY covers what the code depends on beyond a template's own source (which Jinja2 checks
itself): the Python and Jinja2 versions, feedpub's version and the module that sets up the
environment (the sandbox, the filters, the ``{% memo %}`` tag). Like every cache under
``.feedpub/``, a file that is missing, stale or broken only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache

from feedpub.files import write_atomic

CODE_DIR = Path(".feedpub") / "cache" / "templates"  # beside the parse cache


class SharedCode(BytecodeCache):
    """Code in memory for every publication of the process, by template name, file and checksum."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], Any] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = self.store.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[(bucket.key, bucket.checksum)] = bucket.code


class StoredCode(BytecodeCache):
    """``shared`` first, then the publication's folder under ``root``; both are filled."""

    def __init__(self, shared: SharedCode, root: Path) -> None:
        self.shared = shared
        key = code_key()
        self.folder = root / CODE_DIR / key if key else None

    def load_bytecode(self, bucket: Bucket) -> None:
        self.shared.load_bytecode(bucket)
        if bucket.code is not None or self.folder is None:
            return
        try:
            data = (self.folder / f"{bucket.key}.code").read_bytes()
            bucket.bytecode_from_string(data)  # checks Jinja2's magic and the source checksum
        except Exception:  # missing, unreadable or broken: compile the template again
            bucket.reset()
        if bucket.code is not None:
            self.shared.dump_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.shared.dump_bytecode(bucket)
        if self.folder is None:
            return
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True)
                _forget_others(self.folder)
            write_atomic(
                self.folder / f"{bucket.key}.code", bucket.bytecode_to_string(), durable=False
            )
        except OSError:
            pass  # without the file the next build compiles the template again


def _forget_others(folder: Path) -> None:
    """Remove the code kept for other keys (another feedpub or Python): it is never read again."""
    for other in folder.parent.iterdir():
        if other != folder:
            with contextlib.suppress(OSError):
                shutil.rmtree(other)


@cache
def code_key() -> str | None:
    """What compiled code depends on besides its source; None when it cannot be told."""
    import jinja2

    from feedpub import __version__
    from feedpub.render import templating

    try:
        setup = Path(templating.__file__).read_bytes()
    except (OSError, TypeError):
        return None
    parts = (sys.version, jinja2.__version__, __version__)
    total = hashlib.blake2b("\0".join(parts).encode() + b"\0" + setup, digest_size=10)
    return total.hexdigest()
