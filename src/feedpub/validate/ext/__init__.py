"""The extension vocabularies feedpub checks, one module each; ``IN_RSS``/``IN_ATOM`` map namespaces to them."""

from __future__ import annotations

from feedpub.validate.ext import (
    atominrss,
    dublincore,
    georss,
    history,
    itunes,
    media,
    opensearch,
    slash,
    syndication,
    threading,
)
from feedpub.validate.extensions import Vocabulary, registry

VOCABULARIES: tuple[Vocabulary, ...] = (
    dublincore.DC,
    dublincore.DCTERMS,
    georss.GEORSS,
    georss.GML,
    georss.GEO,
    history.HISTORY,
    itunes.ITUNES,
    media.MEDIA,
    opensearch.OPENSEARCH,
    slash.SLASH,
    syndication.SYNDICATION,
    threading.THREADING,
)
IN_ATOM = registry(VOCABULARIES)
IN_RSS = registry((*VOCABULARIES, atominrss.ATOM_IN_RSS))
