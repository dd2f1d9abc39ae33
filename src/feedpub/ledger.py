"""Due entries and the ledger file in, entries whose edits carry an ``updated`` time out.

Readers only notice an edit when an entry's updated time moves. When the YAML gives no new
``updated``, the ledger (``feedpub.ledger``, committed like sources.lock) remembers each
entry's content hash and the time a change to it was first seen, so later builds reuse that
time and stay deterministic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from feedpub.errors import InputError, Location, Problem, Severity
from feedpub.files import write_atomic
from feedpub.model import Entry
from feedpub.times import format_utc, parse_iso

LEDGER_NAME = "feedpub.ledger"
FORMAT = 1


@dataclass(frozen=True)
class LedgerRecord:
    hash: str
    changed: str | None = None  # RFC 3339 UTC time an edit was first seen; None: never edited


def content_hash(entry: Entry) -> str:
    """A hash of what readers read: the entry's fields, not its file name, dates or draft flag."""
    fields: tuple[object, ...] = (
        entry.title,
        entry.authors,
        entry.summary,
        entry.sections,
        entry.quotes,
        entry.tags,
        entry.sources,
        entry.related,
        entry.image,
    )
    if entry.language:  # added later: absent, the hash stays what it was
        fields += (entry.language,)
    return hashlib.blake2b(repr(fields).encode("utf-8"), digest_size=16).hexdigest()


def load_ledger(path: Path) -> dict[str, LedgerRecord]:
    """The ledger's records by entry id; {} when there is none; InputError when it is corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read {path.name}", [Problem(Location(path.name), f"unreadable: {exc}")]
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(
            Location(path.name, exc.lineno, exc.colno),
            f"not valid JSON ({exc.msg}); fix it or delete the file to start a new ledger",
        )
        raise InputError(f"{path.name} is corrupt", [problem]) from exc
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        problem = Problem(
            Location(path.name, 1, 1),
            'expected an object with "entries"; delete the file to start anew',
        )
        raise InputError(f"{path.name} is corrupt", [problem])
    records: dict[str, LedgerRecord] = {}
    for entry_id, value in entries.items():
        if not isinstance(value, dict) or not isinstance(value.get("hash"), str):
            line = _line_of(text, entry_id)
            problem = Problem(
                Location(path.name, line),
                f'entries.{entry_id}: expected {{"hash": ..., "changed": ...}}',
            )
            raise InputError(f"{path.name} is corrupt", [problem])
        changed = value.get("changed")
        records[entry_id] = LedgerRecord(
            value["hash"], changed if isinstance(changed, str) else None
        )
    return records


def _line_of(text: str, key: str) -> int | None:
    needle = json.dumps(key) + ":"
    position = text.find(needle)
    return None if position < 0 else text.count("\n", 0, position) + 1


def dump_ledger(records: Mapping[str, LedgerRecord]) -> str:
    entries = {
        entry_id: {"hash": record.hash, **({"changed": record.changed} if record.changed else {})}
        for entry_id, record in sorted(records.items())
    }
    return json.dumps({"version": FORMAT, "entries": entries}, indent=2, sort_keys=True) + "\n"


def save_ledger(
    path: Path,
    records: Mapping[str, LedgerRecord],
    loaded: Mapping[str, LedgerRecord] | None = None,
) -> bool:
    """Write the ledger atomically when it changed; True when it was written.

    ``loaded`` is what the build read: when the records equal it (and the file exists), the
    file is left alone without being serialised again.
    """
    if loaded is not None and dict(records) == dict(loaded) and path.exists():
        return False
    text = dump_ledger(records)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text)
    return True


@dataclass
class Tracked:
    entries: list[Entry]  # the due entries, with ledger times applied as `updated`
    records: dict[str, LedgerRecord]
    warnings: list[Problem]
    edited: list[str]  # ids whose edit was first seen now


def track_edits(
    due: Iterable[Entry],
    ledger: Mapping[str, LedgerRecord],
    now: datetime,
    hashes: Mapping[str, str] | None = None,
) -> Tracked:
    """Record new hashes, date first-seen edits, and warn about renamed entries.

    ``hashes`` holds content hashes already computed (by the worker processes), by entry id.
    """
    due = list(due)
    current = {e.id for e in due}
    vanished = {
        record.hash: entry_id for entry_id, record in ledger.items() if entry_id not in current
    }
    records: dict[str, LedgerRecord] = {}
    out: list[Entry] = []
    warnings: list[Problem] = []
    edited: list[str] = []
    for entry in due:
        digest = (hashes or {}).get(entry.id) or content_hash(entry)
        known = ledger.get(entry.id)
        if known is None:
            records[entry.id] = LedgerRecord(digest)
            if digest in vanished:
                warnings.append(
                    Problem(
                        Location(entry.path),
                        f"entry '{entry.id}' has the same content as '{vanished[digest]}', which is gone: "
                        f"readers will show it twice; add 'id: {vanished[digest]}' to keep the old id",
                        Severity.WARNING,
                        "renamed-entry",
                    )
                )
        elif known.hash != digest:
            records[entry.id] = LedgerRecord(digest, format_utc(now))
            edited.append(entry.id)
        else:
            records[entry.id] = known
        changed = records[entry.id].changed
        if changed:
            moment = parse_iso(changed)
            if moment > entry.changed:  # a newer `updated` in the YAML wins
                entry = replace(entry, updated=moment)
        out.append(entry)
    return Tracked(out, records, warnings, edited)
