"""A language tag in, whether it is a well-formed BCP 47 tag and whether its script runs right to left out."""

from __future__ import annotations

import re

# RFC 5646 §2.1 (well-formed tags; case does not matter): language with optional extended
# subtags, script, region, variants, extensions, private use; or a private-use tag alone.
_ALNUM = "[A-Za-z0-9]"
_TAG = re.compile(
    rf"""
    (?:
      (?:[A-Za-z]{{2,3}}(?:-[A-Za-z]{{3}}){{0,3}}|[A-Za-z]{{4}}|[A-Za-z]{{5,8}})  # language
      (?:-[A-Za-z]{{4}})?                                                    # script
      (?:-(?:[A-Za-z]{{2}}|[0-9]{{3}}))?                                     # region
      (?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*                          # variants
      (?:-[0-9A-WYZa-wyz](?:-{_ALNUM}{{2,8}})+)*                           # extensions
      (?:-[xX](?:-{_ALNUM}{{1,8}})+)?                                        # private use
    |
      [xX](?:-{_ALNUM}{{1,8}})+
    )
    """,
    re.VERBOSE,
)
# RFC 5646 §2.2.8: grandfathered tags that do not fit the pattern above.
_IRREGULAR = frozenset(
    {
        "en-gb-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-be-fr",
        "sgn-be-nl",
        "sgn-ch-de",
    }
)
# Languages normally written in a right-to-left script (ISO 639 codes).
RTL_LANGUAGES = frozenset(
    {
        "ar",  # Arabic
        "arc",  # Aramaic
        "azb",  # South Azerbaijani
        "ckb",  # Central Kurdish (Sorani)
        "dv",  # Dhivehi
        "fa",  # Persian
        "glk",  # Gilaki
        "he",  # Hebrew
        "iw",  # Hebrew (withdrawn code)
        "ji",  # Yiddish (withdrawn code)
        "lrc",  # Northern Luri
        "mzn",  # Mazanderani
        "nqo",  # N'Ko
        "pnb",  # Western Panjabi
        "prs",  # Dari
        "ps",  # Pashto
        "sd",  # Sindhi
        "syr",  # Syriac
        "ug",  # Uyghur
        "ur",  # Urdu
        "yi",  # Yiddish
    }
)
# ISO 15924 scripts written right to left; a script subtag overrides the language's habit.
RTL_SCRIPTS = frozenset(
    {
        "adlm",
        "arab",
        "aran",
        "hebr",
        "mand",
        "mend",
        "nkoo",
        "rohg",
        "samr",
        "syrc",
        "thaa",
        "yezi",
    }
)


def is_language_tag(value: str) -> bool:
    """True for a well-formed BCP 47 tag such as ``en``, ``pt-BR``, ``sr-Latn`` or ``zh-Hant-TW``."""
    return _TAG.fullmatch(value) is not None or value.lower() in _IRREGULAR


def is_rtl(language: str | None) -> bool:
    """True when text in ``language`` runs right to left (``dir="rtl"`` on the element holding it)."""
    if not language:
        return False
    parts = language.lower().split("-")
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            return part in RTL_SCRIPTS
        if len(part) != 3 or not part.isalpha():
            break  # a region or variant: no script subtag follows
    return parts[0] in RTL_LANGUAGES
