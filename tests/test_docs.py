"""README.md against the code: every command and option in the reference, every validation code in the table."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from feedpub.cli import cli
from feedpub.validate import validate_bytes

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
VALIDATE = REPO / "src" / "feedpub" / "validate"
CORPUS = Path(__file__).parent / "validate" / "corpus"

CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
LEVELS = {"error", "warning"}
COMMANDS = sorted(cli.commands)


def section(text: str, heading: str) -> str:
    """The body under ``heading`` (an exact heading line) up to the next heading of its level or higher."""
    lines = text.splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    try:
        start = lines.index(heading) + 1
    except ValueError:
        return ""
    end = start
    in_code = False
    while end < len(lines):
        line = lines[end]
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(rf"#{{1,{level}}} ", line):
            break
        end += 1
    return "\n".join(lines[start:end])


def mentions(text: str, flag: str) -> bool:
    """``flag`` as a whole word: ``--pull`` must not count as a mention of ``--pull-all``."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def long_flags(command: click.Command) -> list[str]:
    """Every ``--name`` of the command's visible options, both halves of ``--x/--no-x``."""
    flags: list[str] = []
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            flags += [n for n in (*param.opts, *param.secondary_opts) if n.startswith("--")]
    return flags


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference(readme: str) -> str:
    text = section(readme, "## Command reference")
    assert text, "README.md has no '## Command reference' section"
    return text


# --- commands ------------------------------------------------------------------------------


def test_the_cli_has_the_commands_the_readme_promises() -> None:
    # A guard for the test itself: an empty command list would make the tests below vacuous.
    assert {"init", "new", "build", "validate", "pull", "sources", "publish"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_a_section_with_usage_and_exit_codes(reference: str, name: str) -> None:
    body = section(reference, f"### feedpub {name}")
    assert body, f"README's command reference has no '### feedpub {name}' heading"
    assert re.search(rf"^feedpub {name}\b", body, re.MULTILINE), f"no usage line for {name}"
    assert "Exit" in body, f"the section of {name} does not give its exit codes"
    assert cli.commands[name].help, f"feedpub {name} has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_documented_in_its_section(reference: str, name: str) -> None:
    body = section(reference, f"### feedpub {name}")
    shared = set(long_flags(cli))  # the global options, documented once in the introduction
    flags = [flag for flag in long_flags(cli.commands[name]) if flag not in shared]
    missing = [flag for flag in flags if not mentions(body, flag)]
    assert not missing, f"'### feedpub {name}' does not mention {', '.join(missing)}"


def test_every_documented_command_exists(reference: str) -> None:
    documented = re.findall(r"^### feedpub (\S+)", reference, re.MULTILINE)
    assert sorted(documented) == COMMANDS


def test_global_options_are_documented(reference: str) -> None:
    intro = reference.split("\n### ", 1)[0]
    flags = long_flags(cli)
    assert {"--root", "--quiet", "--verbose", "--version"} <= set(flags)
    missing = [flag for flag in flags if not mentions(intro, flag)]
    assert not missing, f"the command reference's introduction does not mention {missing}"
    envvars = [
        p.envvar for p in cli.params if isinstance(p, click.Option) and isinstance(p.envvar, str)
    ]
    assert envvars and all(var in intro for var in envvars)
    for code in ("0", "1", "2", "3"):
        assert re.search(rf"^\| {code} \|", intro, re.MULTILINE), f"exit code {code} not listed"


# --- validation codes ----------------------------------------------------------------------


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _constant(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _is_code_table(node: ast.AST) -> bool:
    """A name like ``_CODES`` or ``CODES``: a table from something else to problem codes."""
    return isinstance(node, ast.Name) and node.id.lstrip("_").endswith("CODES")


def _codes_in(node: ast.AST, tables: dict[str, set[str]]) -> set[str]:
    """Code literals anywhere in an expression, plus every code of a ``*CODES`` table it uses."""
    codes: set[str] = set()
    for child in ast.walk(node):
        if (code := _constant(child)) is not None:
            codes.add(code)
        elif isinstance(child, ast.Name) and child.id in tables:
            codes |= tables[child.id]
    return codes


def _scan(tree: ast.Module, found: dict[str, set[str]]) -> None:
    tables: dict[str, set[str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        if any(_is_code_table(t) for t in targets) and isinstance(value, ast.Dict):
            codes = {c for v in value.values if (c := _constant(v)) is not None}
            for target in targets:
                if isinstance(target, ast.Name):
                    tables[target.id] = codes
            for table_code in codes:
                found.setdefault(table_code, set())  # level unknown unless a call shows it
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for function in functions:
        # ``code = "a" if … else "b"`` then ``report.error(code, …)``: the variable's codes.
        variables: dict[str, set[str]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and (codes := _codes_in(node.value, tables)):
                    variables.setdefault(target.id, set()).update(codes)
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                _scan_call(node, variables, found)


def _scan_call(node: ast.Call, variables: dict[str, set[str]], found: dict[str, set[str]]) -> None:
    name = _call_name(node)
    if name in LEVELS:
        for arg in node.args:
            literal = _constant(arg)
            if literal is not None:
                found.setdefault(literal, set()).add(name)
                break
            if isinstance(arg, ast.Name) and arg.id in variables:
                for code in variables[arg.id]:
                    found.setdefault(code, set()).add(name)
                break
    for keyword in node.keywords:
        literal = _constant(keyword.value) if keyword.arg == "code" else None
        if literal is not None:
            # Parsed(value, warning=…, code=…) and Problem(…, Severity.WARNING, code=…)
            words = {k.arg for k in node.keywords} | {ast.unparse(a) for a in node.args}
            warning = "warning" in words or "Severity.WARNING" in words
            found.setdefault(literal, set()).add("warning" if warning else "error")


def source_codes() -> dict[str, set[str]]:
    """Code → the levels the validate package reports it at (empty when the scan cannot tell).

    Codes reach a Report as a literal passed to an ``error(...)``/``warning(...)`` call (the
    Report's or a local helper), through a local variable set from literals or a ``*CODES``
    table, or as a ``code=`` keyword (a parsed date, a Problem).
    """
    found: dict[str, set[str]] = {}
    for path in sorted(VALIDATE.rglob("*.py")):
        _scan(ast.parse(path.read_text(encoding="utf-8")), found)
    return found


def table_codes(readme: str) -> dict[str, set[str]]:
    """Code → levels from the README's codes table (``| `code` | error, warning | meaning |``)."""
    body = section(readme, "## Validation")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ([a-z, ]+) \|", body, re.MULTILINE)
    return {code: {level.strip() for level in levels.split(",")} for code, levels in rows}


def test_source_scan_finds_the_codes() -> None:
    # Guards the scanner: if a refactor hid the codes from it, the next test would pass vacuously.
    codes = source_codes()
    assert len(codes) >= 40
    assert {"not-a-feed", "not-well-formed", "missing-element", "future-date"} <= set(codes)
    assert {"error", "warning"} <= set().union(*codes.values())
    unplaced = sorted(code for code, levels in codes.items() if not levels)
    assert len(unplaced) <= len(codes) // 10, f"the scan finds no level for {unplaced}"


def test_every_code_in_the_source_is_in_the_readme(readme: str) -> None:
    table = table_codes(readme)
    assert table, "README.md's Validation section has no codes table"
    missing = sorted(set(source_codes()) - set(table))
    assert not missing, f"codes missing from README's codes table: {', '.join(missing)}"


def test_the_readme_lists_no_code_the_source_lacks(readme: str) -> None:
    invented = sorted(set(table_codes(readme)) - set(source_codes()))
    assert not invented, f"README's codes table lists codes the validator never reports: {invented}"


def test_levels_in_the_readme_match_the_source(readme: str) -> None:
    table = table_codes(readme)
    for code, levels in sorted(source_codes().items()):
        assert table[code] <= LEVELS, f"{code}: unknown level in README: {table[code]}"
        # The scan may miss a level (a code passed through a helper); the corpus test below
        # checks levels from behaviour too.
        assert levels <= table[code], f"{code}: source says {levels}, README {table[code]}"


def test_codes_the_validator_reports_on_the_corpus_are_documented(readme: str) -> None:
    """The same check from behaviour: validate every corpus feed, look each finding up."""
    table = table_codes(readme)
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json"))
    assert files, f"no corpus under {CORPUS}"
    now = datetime(2025, 6, 1, tzinfo=UTC)
    seen: dict[str, set[str]] = {}
    for path in files:
        for problem in validate_bytes(path.read_bytes(), path.name, now=now):
            seen.setdefault(problem.code, set()).add(problem.severity.value)
    assert len(seen) >= 20
    undocumented = sorted(code for code in seen if code not in table)
    assert not undocumented, f"reported but not in README's codes table: {undocumented}"
    wrong = {code: levels for code, levels in seen.items() if not levels <= table[code]}
    assert not wrong, f"reported at levels the README does not give: {wrong}"


# --- the layout of src/feedpub --------------------------------------------------------------


def layout_names(readme: str) -> set[str]:
    """Module paths named in the first column of the README's layout table; a bare name after
    ``folder/name.py`` is in the same folder (``validate/rss.py``, ``atom.py``)."""
    table = section(readme, "### Layout of `src/feedpub`")
    names: set[str] = set()
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        folder = ""
        for name in re.findall(r"`([^`]+)`", line.split(" | ")[0]):
            if "/" in name:
                folder = name.rsplit("/", 1)[0] + "/" if not name.endswith("/") else ""
                names.add(name)
            else:
                names.add(folder + name)
    return names


def test_layout_table_matches_the_source_tree(readme: str) -> None:
    package = REPO / "src" / "feedpub"
    modules = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if p.name != "__init__.py" or p.stat().st_size  # an empty __init__ says nothing
    }
    documented = layout_names(readme)
    folders = {name for name in documented if name.endswith("/")}
    missing = sorted(m for m in modules if m not in documented)
    assert not missing, f"modules missing from the README's layout table: {missing}"
    gone = sorted(n for n in documented - folders if n not in modules)
    assert not gone, f"the README's layout table names modules that do not exist: {gone}"
    assert all((package / folder).is_dir() for folder in folders)


# --- templates -----------------------------------------------------------------------------


def test_every_template_context_field_is_documented(readme: str) -> None:
    import dataclasses

    from feedpub.render import context

    body = section(readme, "### The context")
    assert body, "README.md has no '### The context' section"
    views = [
        context.SiteView,
        context.PageView,
        context.Pagination,
        context.FeedView,
        context.FeedFormat,
        context.EntryView,
        context.BriefingView,
        context.EntryLink,
        context.SectionView,
        context.QuoteView,
        context.CitedSource,
    ]
    missing = [
        f"{view.__name__}.{f.name}"
        for view in views
        for f in dataclasses.fields(view)
        if f"`{f.name}`" not in body
    ]
    assert not missing, f"README's *The context* does not mention {missing}"


def test_every_default_template_is_in_the_readme_table(readme: str) -> None:
    from feedpub.render.templating import PACKAGE_DIR

    body = section(readme, "## Templates")
    names = sorted(p.name for p in PACKAGE_DIR.iterdir() if p.is_file())
    assert names, "no default templates found"
    missing = [name for name in names if f"| `{name}` |" not in body]
    assert not missing, f"README's *Templates* table does not list {missing}"
