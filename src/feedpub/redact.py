"""URLs and messages in, the same with credentials masked out; target URLs in, why they are refused out.

One place decides what a secret in a URL looks like: a password in the userinfo (any user
part at all, except on the ssh-based schemes where it is the login name) and query parameters
whose names say key, secret, token, password and the like. ``redact_url`` and ``redact_text``
mask them for every message, log line and dry-run header; ``url_credentials`` tells the
publish targets and feedpub.yaml's loader to refuse such a URL outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

MASK = "***"

# Schemes whose user name is a login (ssh's ``user@host``), not a credential.
LOGIN_SCHEMES = frozenset({"sftp", "rsync", "ssh", "git+ssh", "ssh+git"})

# A query parameter is a secret when one of the words of its name is one of these
# (``aws_secret_access_key``, ``X-Amz-Signature``, ``api-key``, ``sessionToken``…).
SECRET_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "key",
        "pass",
        "passphrase",
        "passwd",
        "password",
        "pw",
        "pwd",
        "secret",
        "sig",
        "signature",
        "token",
    }
)

SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?")
# A URL inside free text (messages, log lines) runs to the next white space: quotes and
# brackets around it stay in the match, which is harmless, while a password holding a quote
# is still masked whole.
URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's name says its value is a secret."""
    words = {w.lower() for w in WORD.findall(name)}
    return bool(words & SECRET_WORDS) or any(w in name.lower() for w in ("secret", "password"))


def _split(url: str) -> tuple[str, str, str, str] | None:
    """``(scheme://, userinfo, rest, scheme)`` for a URL with an authority; None otherwise.

    A ``user:password`` userinfo ends at the *last* ``@``: a secret may hold ``/``, ``#`` or
    ``?`` unescaped (AWS secret keys hold ``/``), and a split at the first ``/`` would leave
    half of it in the path. A user name alone ends at the authority's last ``@``.
    """
    match = SCHEME.match(url)
    if match is None or not match.group(2):
        return None
    start = match.end()
    prefix, rest, scheme = url[:start], url[start:], match.group(1).lower()
    if rest.startswith("/"):  # no authority: file:///path
        return prefix, "", rest, scheme
    at = rest.rfind("@")
    if at >= 0:
        user, colon, _password = rest[:at].partition(":")
        if colon and not any(c in user for c in "/?#@"):
            return prefix, rest[:at], rest[at + 1 :], scheme
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    at = authority.rfind("@")
    if at < 0:
        return prefix, "", rest, scheme
    return prefix, rest[:at], rest[at + 1 :], scheme


def _query_secrets(rest: str) -> list[str]:
    """Names of secret-looking query parameters in ``host/path?query#fragment``."""
    if "?" not in rest:
        return []
    query = rest.split("?", 1)[1].split("#", 1)[0]
    return [name for name, _ in parse_qsl(query, keep_blank_values=True) if is_secret_name(name)]


def url_credentials(url: str) -> str:
    """Why ``url`` carries a credential ("" when it does not); the text never holds the secret."""
    parts = _split(url)
    if parts is None:
        return ""
    _prefix, userinfo, rest, scheme = parts
    if ":" in userinfo:
        return "a password in the URL"
    if userinfo and scheme not in LOGIN_SCHEMES:
        return "credentials in the URL (user@)"
    secrets = _query_secrets(rest)
    if secrets:
        return f"a secret in the URL's query (parameter {secrets[0]!r})"
    return ""


def redact_url(url: str) -> str:
    """``url`` with its password (or whole userinfo) and secret query values replaced by ``***``."""
    parts = _split(url)
    if parts is None:
        return url
    prefix, userinfo, rest, scheme = parts
    if userinfo:
        keep = scheme in LOGIN_SCHEMES and ":" not in userinfo
        prefix += (userinfo if keep else MASK) + "@"
    if "?" in rest:
        head, query = rest.split("?", 1)
        query, hash_, fragment = query.partition("#")
        fields = []
        for field in query.split("&"):
            name, eq, _value = field.partition("=")
            fields.append(f"{name}={MASK}" if eq and is_secret_name(name) else field)
        rest = f"{head}?{'&'.join(fields)}{hash_}{fragment}"
    return prefix + rest


def redact_text(text: str) -> str:
    """``text`` with every URL in it passed through ``redact_url``."""
    if "://" not in text:
        return text
    return URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


# Where each kind of target takes its credentials from instead (README, "Credentials").
CREDENTIAL_SOURCES = {
    "s3": "credentials come from the AWS environment variables, a profile (option 'profile') "
    "or an instance role",
    "sftp": "use key_file or your ssh agent",
    "rsync": "use key_file or your ssh agent",
    "git+ssh": "git uses your ssh agent and ~/.ssh/config",
    "webdav": "set FEEDPUB_WEBDAV_USER and FEEDPUB_WEBDAV_PASSWORD or use ~/.netrc",
    "webdavs": "set FEEDPUB_WEBDAV_USER and FEEDPUB_WEBDAV_PASSWORD or use ~/.netrc",
}
NO_CREDENTIALS = "this kind of target takes no credentials"


def credentials_problem(url: str, options: Mapping[str, object] | None = None) -> str:
    """Why a target's URL (or a URL among its options) is refused; "" when it carries no secret.

    The text names what was found, never its value, so it is safe to print and log.
    """
    match = SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    found = url_credentials(url)
    if not found:
        for name, value in sorted((options or {}).items()):
            if name != "url" and isinstance(value, str) and url_credentials(value):
                found = f"{url_credentials(value)} of option {name!r}"
                break
    if not found:
        return ""
    return f"refusing {found}; {CREDENTIAL_SOURCES.get(scheme, NO_CREDENTIALS)}"
