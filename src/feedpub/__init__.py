"""feedpub: YAML briefing entries in, validated RSS 2.0, Atom 1.0 and JSON Feed out, published anywhere."""

__version__ = "0.1.0"
