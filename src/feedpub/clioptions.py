"""What every command shares: Options, `--root`/`-q`/`-v` after the command, `--now`, `--format`.

Also how problems reach stderr (redacted), the same for every command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from click.decorators import FC

from feedpub.errors import Problem
from feedpub.redact import redact_text
from feedpub.times import parse_iso


class Options:
    """What the group's options give every command."""

    def __init__(
        self, root: Path, quiet: bool, verbose: int, handler: logging.Handler | None = None
    ) -> None:
        self.handler = handler  # the stderr log handler the CLI installed
        self.root = root
        self.quiet = quiet
        self.verbose = verbose

    def set_verbosity(self, verbose: int) -> None:
        """-v shows progress (INFO), -vv debug output; the CLI's stderr handler obeys it."""
        self.verbose = verbose
        if self.handler is not None:
            level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
            self.handler.setLevel(level)

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message)


pass_options = click.make_pass_decorator(Options)


def format_option(
    help: str = "json: one JSON document on stdout, for other tools.",
) -> Callable[[FC], FC]:
    """``--format text|json``: json for other tools to read."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help,
    )


def parse_now(value: str | None) -> datetime | None:
    """``--now`` for previews and tests: an ISO 8601 time; naive means UTC."""
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected an ISO 8601 time, got {value!r}") from exc


now_option = click.option(
    "--now",
    metavar="TIME",
    callback=lambda _ctx, _param, value: parse_now(value),
    help="Pretend the clock says TIME (ISO 8601): which scheduled entries are due.",
)


# Commands take the group's options (`--root`, `-q`, `-v`) after the command name too, so
# `feedpub build --root DIR -v` works as well as `feedpub --root DIR -v build`.
def root_option(func: Any) -> Any:
    def set_root(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.find_object(Options).root = value  # type: ignore[union-attr]

    def set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.find_object(Options).quiet = True  # type: ignore[union-attr]

    def set_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
        if value:
            opts = ctx.find_object(Options)
            assert opts is not None
            opts.set_verbosity(opts.verbose + value)

    func = click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=set_root,
        help="The publication root (also FEEDPUB_ROOT).",
    )(func)
    func = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=set_verbose,
        help="Say more (repeat for debug output).",
    )(func)
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=set_quiet,
        help="Print only problems.",
    )(func)


def print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(redact_text(str(problem)), err=True)
