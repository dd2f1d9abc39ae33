"""A publication root in, rebuilds on every change to its inputs out, plus the build number
pages served by `feedpub serve` wait on to reload themselves.

Changes are noticed by watchfiles when it is installed (the ``serve`` extra), else by
polling the inputs' sizes and modification times twice a second. Each rebuild runs
``feedpub build`` in a child process, so a broken entry only prints its problems and the
preview keeps serving the last good output.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from feedpub import stamp

RELOAD_PATH = "/__feedpub/reload"  # GET ?since=N answers once the build number is not N
POLL_SECONDS = 0.5
WAIT_SECONDS = 25.0  # a browser's request is answered at least this often

# Injected before </body> of every HTML page `serve` answers with, never written to the output.
SCRIPT = """<script>/* feedpub serve: reload after a rebuild (only in the preview) */
(function () {
  var build = "%d";
  function wait() {
    fetch("%s?since=" + build, {cache: "no-store"})
      .then(function (answer) { return answer.text(); })
      .then(function (now) { if (now !== build) { location.reload(); } else { wait(); } })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
</script>
"""


class Builds:
    """The number of the current build; readers wait for it to change."""

    def __init__(self) -> None:
        self.number = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.number += 1
            self._changed.notify_all()

    def wait(self, since: int, timeout: float = WAIT_SECONDS) -> int:
        """The build number once it is not ``since`` (or after ``timeout`` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self.number != since, timeout)
            return self.number

    def script(self) -> bytes:
        return (SCRIPT % (self.number, RELOAD_PATH)).encode("utf-8")


def inject(page: bytes, script: bytes) -> bytes:
    """``page`` with ``script`` before its last </body> (at the end when it has none)."""
    at = page.lower().rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


def _is_input(root: Path, path: str) -> bool:
    try:
        rel = Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    first = rel.parts[0] if rel.parts else ""
    return first in stamp.INPUT_FOLDERS or (len(rel.parts) == 1 and first in stamp.INPUT_FILES)


def changes(root: Path, stop: threading.Event) -> Iterator[None]:
    """Yields once per batch of changes to the publication's inputs, until ``stop`` is set."""
    root = root.resolve()
    try:
        import watchfiles
    except ImportError:
        watchfiles = None  # type: ignore[assignment]
    if watchfiles is not None:
        for _batch in watchfiles.watch(
            root,
            watch_filter=lambda _change, path: _is_input(root, path),
            stop_event=stop,
            debounce=200,
            rust_timeout=500,
            yield_on_timeout=False,
            raise_interrupt=False,
        ):
            yield None
        return
    state = stamp.input_state(root)[0]
    while not stop.wait(POLL_SECONDS):
        now = stamp.input_state(root)[0]
        if now != state:
            state = now
            yield None


def rebuild(root: Path, now: datetime | None) -> tuple[bool, list[str]]:
    """``feedpub build`` of ``root`` in a child process: (succeeded, the lines it printed)."""
    command = [sys.executable, "-m", "feedpub", "--root", str(root), "build"]
    if now is not None:
        command += ["--now", now.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).splitlines()
    return done.returncode == 0, lines


def watch(
    root: Path,
    builds: Builds,
    *,
    now: datetime | None,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    stop: threading.Event,
) -> None:
    """Rebuild after every change; bump ``builds`` after each build that succeeded. What a
    build prints goes to ``say``, a failed build's problems to ``warn``."""
    for _ in changes(root, stop):
        ok, lines = rebuild(root, now)
        for line in lines:
            (say if ok else warn)(line)
        if ok:
            builds.bump()
