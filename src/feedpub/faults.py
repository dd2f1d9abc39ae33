"""A named point in a long operation in, a pause out when a fault test asks for one (else nothing)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def checkpoint(name: str) -> None:
    """Pause when FEEDPUB_PAUSE_AT names this point, so a test can kill the process right here.

    The test learns the process reached the point from FEEDPUB_PAUSE_FILE, which gets its pid.
    """
    if os.environ.get("FEEDPUB_PAUSE_AT") != name:
        return
    marker = os.environ.get("FEEDPUB_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(os.environ.get("FEEDPUB_PAUSE_SECONDS", "3600")))


def simulated(name: str) -> bool:
    """Whether FEEDPUB_SIMULATE (comma-separated) asks to act as if ``name`` held, e.g.
    ``no-rename-exchange``: a filesystem without atomic folder exchange, so tests reach the
    fallback."""
    return name in os.environ.get("FEEDPUB_SIMULATE", "").split(",")
