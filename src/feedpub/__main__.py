"""``python -m feedpub``."""

from feedpub.cli import entry_point

entry_point()
