"""A publication root in, its Jinja2 templates out: compiled once per process, sandboxed, confined.

Templates come from the publication's ``templates/`` folder first and the package's defaults
second. The environment is sandboxed, escapes every value (the spelling of ``html.escape``),
and refuses any template name that would leave those two folders. Failures become Problems
located at the template line: ``templates/entry.html:12: error: 'foo' is undefined``.
"""

from __future__ import annotations

import hashlib
import html
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from feedpub.errors import InputError, Location, Problem, problem_count
from feedpub.inputs import read_regular, walk
from feedpub.render.reads import ACTIVE, FIELDS, Read, note, note_all, recording
from feedpub.render.templatecode import SharedCode, StoredCode

TEMPLATES_DIR = "templates"  # a publication's overrides, at its root
PACKAGE_DIR = Path(__file__).resolve().parent.parent / "templates"
# "feedpub/entry.html" is always the package's entry.html, so an override can extend it.
PACKAGE_PREFIX = "feedpub/"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class _Sandbox(SandboxedEnvironment):
    """The sandbox, with its verdict on each (type, attribute name) remembered.

    Jinja2's rule depends on nothing else (the name, and isinstance checks on the object), and
    asking it afresh for every ``{{ page.root }}`` was a third of the time of an entry page.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The context's own data fields (plain data, never methods) skip the checks entirely.
        names = FIELDS.get(type(obj))
        if names is not None:
            if ACTIVE:
                note(type(obj), attribute)
            if attribute in names:
                return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if ACTIVE and type(obj) in FIELDS:
            note(type(obj), argument)
        return super().getitem(obj, argument)


# Compiled template code shared by every Templates of the process (a test makes hundreds of
# publication roots: each compiles only its own templates), and kept on disk per publication.
_SHARED_CODE = SharedCode()


class TemplateRefused(TemplateError):
    """A template name that points outside the publication's and the package's templates."""


def human_date(moment: datetime) -> str:
    """ "17 May 2025": the same in every locale."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _escape(value: Any) -> Any:
    # Every {{ value }} passes here before autoescaping. Quotes are spelled as html.escape
    # spells them (&quot; &#x27;, where markupsafe writes &#34; &#39;), so pages stay byte
    # for byte what feedpub wrote before templates; the rest is left to markupsafe (faster).
    if type(value) is str:
        return Markup(html.escape(value)) if '"' in value or "'" in value else value
    if hasattr(value, "__html__"):
        return value
    return _escape(str(value))


class MemoExtension(Extension):
    """``{% memo key, ... %}…{% endmemo %}``: the body rendered once per build for each
    distinct key and repeated after that (like Hugo's partialCached). For what is the same on
    thousands of pages (the feed links in every page's head and footer); the keys must name
    everything the body depends on."""

    tags = {"memo"}  # noqa: RUF012 - how Jinja2 declares it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.store: dict[Any, tuple[str, frozenset[Read]]] = {}

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        keys = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        where = nodes.Const(f"{parser.name}:{lineno}")
        call = self.call_method("_memo", [where, nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _memo(self, where: str, key: tuple[Any, ...], caller: Callable[[], str]) -> str:
        whole = (where, key)  # two memo blocks with the same keys are told apart by place
        found = self.store.get(whole)
        if found is None:
            with recording(set()) as reads:  # the page rendering now gets them too
                out = caller()
            found = self.store[whole] = (out, frozenset(reads))
        else:
            note_all(found[1])  # a page that repeats the body read what the body read
        return found[0]


def _confined_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0])


class ConfinedLoader(BaseLoader):
    """The publication's templates (read once, held in memory), then the package's folder;
    nothing else, whatever a template name says."""

    def __init__(self, folder: Path, own: Mapping[str, str]) -> None:
        self.folder = folder
        self.own = own
        self._package = FileSystemLoader(str(PACKAGE_DIR))

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if not _confined_name(template):
            raise TemplateRefused(
                f"template {template!r} is outside templates/ and feedpub's own templates; refused"
            )
        if template.startswith(PACKAGE_PREFIX):
            template = template[len(PACKAGE_PREFIX) :]
        elif template in self.own:
            return self.own[template], str(self.folder / template), lambda: True
        return self._package.get_source(environment, template)

    def list_templates(self) -> list[str]:
        return sorted(set(self.own) | set(self._package.list_templates()))


@dataclass(frozen=True)
class TemplateSpec:
    """What a worker process needs to get the same Templates: picklable."""

    root: Path
    base_url: str
    timezone: tzinfo | None
    fingerprint: str


class Templates:
    """The publication's compiled templates plus the filters and the error translation."""

    def __init__(
        self,
        root: Path,
        base_url: str,
        timezone: tzinfo | None,
        sources: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.root = root
        self.base_url = base_url
        self.timezone = timezone
        self.folder = root / TEMPLATES_DIR
        self.sources = sources if sources is not None else read_sources(root)
        own = {n: text for n, (origin, text) in self.sources.items() if origin == "publication"}
        self.loader = ConfinedLoader(self.folder, own)
        self.fingerprint = _digest(self.sources)
        env = _Sandbox(
            loader=self.loader,
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=-1,
            finalize=_escape,
            extensions=[MemoExtension],
            bytecode_cache=StoredCode(_SHARED_CODE, root),
        )
        env.filters["date"] = format_date
        env.filters["local"] = self.local
        env.filters["absolute"] = self.absolute
        self.env = env
        self._compiled: dict[str, Template] = {}
        self._digests: dict[str, str] = {}
        self._chains: dict[str, list[Template]] = {}
        self._constant: dict[tuple[str, str], str] = {}

    def start_build(self) -> None:
        """Forget what {% memo %} kept: a new build may have other feeds or settings."""
        for extension in self.env.extensions.values():
            if isinstance(extension, MemoExtension):
                extension.store.clear()

    @property
    def spec(self) -> TemplateSpec:
        return TemplateSpec(self.root, self.base_url, self.timezone, self.fingerprint)

    # --- filters ---------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """The same moment in the publication's time zone."""
        if self.timezone is None:
            from datetime import UTC

            return moment.astimezone(UTC)
        return moment.astimezone(self.timezone)

    def absolute(self, path: str) -> str:
        """A path relative to base_url made absolute; an absolute URL stays as it is."""
        from urllib.parse import urlsplit

        text = str(path)
        return text if urlsplit(text).scheme else f"{self.base_url}{text.lstrip('/')}"

    # --- templates -------------------------------------------------------------------------

    def origin(self, name: str) -> str:
        """ "publication" when templates/ overrides NAME, else "package"."""
        return self.sources[name][0] if name in self.sources else "package"

    def get(self, name: str) -> Template:
        """The compiled template; InputError located at the template's line when it is wrong."""
        found = self._compiled.get(name)
        if found is None:
            try:
                found = self.env.get_template(name)
            except Exception as exc:
                raise self.error(exc, name) from None
            self._compiled[name] = found
        return found

    def check(self) -> None:
        """Compile every template now: all syntax errors at once, before any work."""
        problems: list[Problem] = []
        for name in self.sources:
            try:
                self.get(name)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(_summary(problems), problems)

    def digest(self, name: str) -> str:
        """Hash of NAME's source and of every template it extends, includes or imports."""
        if name not in self._digests:
            self._digests[name] = _digest(self._closure(name))
        return self._digests[name]

    def _closure(self, name: str) -> dict[str, tuple[str, str]]:
        seen: dict[str, tuple[str, str]] = {}
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.sources:
                continue
            seen[current] = self.sources[current]
            try:
                found = list(meta.find_referenced_templates(self.env.parse(seen[current][1])))
            except TemplateError:
                found = []
            if None in found:  # a name computed at render time: it may be any template
                return dict(self.sources)
            todo.extend(n for n in found if n is not None)
        return seen

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        template = self.get(name)
        try:
            return template.render(context)
        except Exception as exc:
            raise self.error(exc) from None

    def render_replacing(
        self, name: str, context: Mapping[str, Any], block: str, marker: str
    ) -> str:
        """Render NAME with BLOCK's output replaced by MARKER (filled in later, elsewhere)."""
        template = self.get(name)
        try:
            ctx = template.new_context(dict(context))
            ctx.blocks.setdefault(block, []).insert(0, lambda _ctx: iter((marker,)))
            return "".join(template.root_render_func(ctx))
        except Exception:
            try:
                self.env.handle_exception()
            except Exception as exc:
                raise self.error(exc) from None
            raise  # pragma: no cover - handle_exception always raises

    def render_block(self, name: str, context: Mapping[str, Any], block: str) -> str:
        """Only BLOCK of NAME (the most derived definition, with super() working)."""
        try:
            chain = self._chain(name)
            ctx = chain[0].new_context(dict(context))
            for ancestor in chain[1:]:
                for block_name, func in ancestor.blocks.items():
                    ctx.blocks.setdefault(block_name, []).append(func)
            funcs = ctx.blocks.get(block)
            return "".join(funcs[0](ctx)) if funcs else ""
        except InputError:
            raise
        except Exception:
            try:
                self.env.handle_exception()
            except Exception as exc:
                raise self.error(exc) from None
            raise  # pragma: no cover

    def empty_block(self, name: str, context: Mapping[str, Any], block: str) -> str:
        """BLOCK of NAME rendered with CONTEXT, done once per process when the block reads
        nothing but ``entry.<block>`` (the default Related block: the same for every entry
        that has no related entries)."""
        key = (name, block)
        if key in self._constant:
            return self._constant[key]
        out = self.render_block(name, context, block)
        if self._reads_only(name, block, "entry", block):
            self._constant[key] = out
        return out

    def _reads_only(self, name: str, block: str, variable: str, attribute: str) -> bool:
        """Whether every definition of BLOCK along NAME's chain reads no variable but
        ``variable.attribute`` (and the names it sets itself, ``loop``, ``super``)."""
        for template in self._chain(name):
            source = self.sources.get(template.name or "")
            if source is None:
                return False
            for node in self.env.parse(source[1]).find_all(nodes.Block):
                if node.name != block:
                    continue
                stored = {n.name for n in node.find_all(nodes.Name) if n.ctx in ("store", "param")}
                for found in node.find_all(nodes.Name):
                    if found.ctx != "load" or found.name in stored | {"loop", "super"}:
                        continue
                    if found.name != variable:
                        return False
                attrs = [
                    g.attr
                    for g in node.find_all(nodes.Getattr)
                    if isinstance(g.node, nodes.Name) and g.node.name == variable
                ]
                loads = [
                    n for n in node.find_all(nodes.Name) if n.ctx == "load" and n.name == variable
                ]
                if len(attrs) != len(loads) or set(attrs) - {attribute}:
                    return False  # the variable used whole, or another field of it
        return True

    def _chain(self, name: str) -> list[Template]:
        """NAME and the templates it extends, most derived first (worked out once)."""
        found = self._chains.get(name)
        if found is None:
            found = self._chains[name] = self._find_chain(name)
        return found

    def _find_chain(self, name: str) -> list[Template]:
        chain = [self.get(name)]
        current = name
        while True:
            ast = self.env.parse(self.sources[current][1]) if current in self.sources else None
            parent = None
            if ast is not None:
                for node in ast.find_all(nodes.Extends):
                    if isinstance(node.template, nodes.Const):
                        parent = str(node.template.value)
                    break
            if parent is None or len(chain) > 20:
                return chain
            chain.append(self.get(parent))
            current = parent

    # --- errors ----------------------------------------------------------------------------

    def display(self, filename: str | None) -> str:
        """templates/entry.html for the publication's, feedpub/templates/entry.html for ours."""
        if not filename:
            return "<template>"
        real = os.path.realpath(filename)
        for folder, label in ((PACKAGE_DIR, "feedpub/templates"), (self.folder, TEMPLATES_DIR)):
            base = os.path.realpath(folder)
            if real.startswith(base + os.sep):
                return f"{label}/{Path(os.path.relpath(real, base)).as_posix()}"
        return Path(filename).as_posix()

    def _name_display(self, name: str) -> str:
        if name.startswith(PACKAGE_PREFIX) or self.origin(name) == "package":
            return f"feedpub/templates/{name.removeprefix(PACKAGE_PREFIX)}"
        return f"{TEMPLATES_DIR}/{name}"

    def _is_template(self, filename: str) -> bool:
        real = os.path.realpath(filename)
        return any(
            real.startswith(os.path.realpath(folder) + os.sep)
            for folder in (self.folder, PACKAGE_DIR)
        )

    def error(self, exc: BaseException, name: str | None = None) -> InputError:
        problem = self.problem(exc, name)
        return InputError(_summary([problem]), [problem])

    def problem(self, exc: BaseException, name: str | None = None) -> Problem:
        """Where in which template ``exc`` happened (else the template NAME), and what."""
        if isinstance(exc, TemplateSyntaxError):
            where = Location(self.display(exc.filename), exc.lineno)
            return Problem(where, f"syntax: {exc.message}")
        filename, line = None, None
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if self._is_template(frame.f_code.co_filename):
                filename, line = frame.f_code.co_filename, lineno
        if filename is None and name is not None:
            where = Location(self._name_display(name))
        else:
            where = Location(self.display(filename), line)
        if isinstance(exc, TemplateRefused):
            message = exc.message or str(exc)
        elif isinstance(exc, TemplateNotFound):
            message = f"template {exc.name!r} not found in templates/ or feedpub's own templates"
        elif isinstance(exc, UndefinedError):
            message = f"{exc.message}; see README.md, *Templates*, for what templates receive"
        elif isinstance(exc, TemplateError):
            message = exc.message or type(exc).__name__
        else:
            message = f"{type(exc).__name__}: {exc}"
        return Problem(where, message)


def _summary(problems: list[Problem]) -> str:
    return problem_count(len(problems), "the templates")


def format_date(moment: datetime, format: str = "long") -> str:
    """``long``: "17 May 2025"; ``iso``: RFC 3339; anything else: a strftime pattern."""
    if format == "long":
        return human_date(moment)
    if format == "iso":
        return moment.isoformat()
    return moment.strftime(format)


def read_sources(root: Path) -> dict[str, tuple[str, str]]:
    """name → (origin, text) of every template: the publication's (they win) and the
    package's, which are also there as "feedpub/NAME". InputError for a file in templates/
    that is no regular UTF-8 file inside that folder (a symlink out of it, a FIFO, …)."""
    problems: list[Problem] = []
    out: dict[str, tuple[str, str]] = {}
    base = os.path.realpath(root / TEMPLATES_DIR)
    for rel, path in walk(root, TEMPLATES_DIR, problems):
        shown = f"{TEMPLATES_DIR}/{rel}"
        real = os.path.realpath(path)
        if not real.startswith(base + os.sep):
            problems.append(
                Problem(
                    Location(shown),
                    f"is a symlink to {real}, outside {TEMPLATES_DIR}/; templates are read only "
                    f"from {TEMPLATES_DIR}/ and feedpub's own, so it was not followed",
                )
            )
            continue
        try:
            out[rel] = ("publication", read_regular(path).decode("utf-8"))
        except OSError as exc:
            problems.append(Problem(Location(shown), f"cannot read file: {exc.strerror or exc}"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(Location(shown), f"is not UTF-8 text: {exc.reason}"))
    if problems:
        raise InputError(_summary(problems), problems)
    for name, text in _package_sources().items():
        out.setdefault(name, ("package", text))
        out[PACKAGE_PREFIX + name] = ("package", text)
    return out


@lru_cache(maxsize=1)
def _package_sources() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            out[path.relative_to(PACKAGE_DIR).as_posix()] = path.read_text(encoding="utf-8")
    return out


def _digest(chosen: Mapping[str, tuple[str, str]]) -> str:
    total = hashlib.blake2b(digest_size=12)
    for name in sorted(chosen):
        total.update(
            name.encode() + b"\0" + chosen[name][1].encode("utf-8", "surrogatepass") + b"\0"
        )
    return total.hexdigest()


# Compiled once per process (and per worker): keyed by everything the result depends on.
_cache: dict[tuple[str, str, str, str], Templates] = {}


def templates_for(root: Path, base_url: str, timezone: tzinfo | None) -> Templates:
    """The publication's Templates, compiled; reused while no template's content changed."""
    sources = read_sources(root)
    fingerprint = _digest(sources)
    key = (str(root.resolve()), base_url, repr(timezone), fingerprint)
    found = _cache.get(key)
    if found is None:
        found = Templates(root, base_url, timezone, sources)
        found.check()
        _cache.clear()  # one publication per process at a time is the normal case
        _cache[key] = found
    return found


def from_spec(spec: TemplateSpec) -> Templates:
    """In a worker: the Templates the main process made (inherited by fork, else rebuilt)."""
    return templates_for(spec.root, spec.base_url, spec.timezone)
