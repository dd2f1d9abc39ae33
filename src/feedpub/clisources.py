"""The cited-source commands: `pull` fetches what entries cite into sources.lock, `sources` lists it."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from feedpub.cliformat import ProgressBar, problems_table, source_json, source_rows, sources_table
from feedpub.clioptions import Options, format_option, now_option, pass_options, root_option


@click.command()
@click.option(
    "--all",
    "check_all",
    is_flag=True,
    help="Re-check every cited URL however fresh (conditional requests).",
)
@click.option(
    "--max-age",
    type=click.FloatRange(min=0),
    metavar="DAYS",
    default=None,
    help="Re-check URLs last checked at least DAYS ago (default: sources.max_age_days, 7).",
)
@click.option("--strict", is_flag=True, help="Exit 1 if any cited source is dead.")
@click.option(
    "--allow-private",
    is_flag=True,
    default=False,
    help="Allow loopback and private addresses (default: sources.allow_private).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Fetch this many URLs at once (default: sources.workers, 16).",
)
@root_option
@now_option
@pass_options
def pull(
    opts: Options,
    check_all: bool,
    max_age: float | None,
    strict: bool,
    allow_private: bool,
    workers: int | None,
    now: datetime | None,
) -> int:
    """Fetch the URLs entries cite; record titles and dead links in sources.lock."""
    from feedpub.run import pull_publication

    bar = ProgressBar("pulling sources") if sys.stderr.isatty() and not opts.quiet else None
    try:
        report = pull_publication(
            opts.root,
            check_all=check_all,
            max_age_days=max_age,
            allow_private=True if allow_private else None,
            workers=workers,
            now=now,
            progress=bar.pulled if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.finish()
    table = problems_table(report)
    if table:
        click.echo(table)
    opts.say(report.summary())
    return 1 if strict and report.any_dead else 0


@click.command("sources")
@click.option("--problems", is_flag=True, help="Only dead, moved, failing and never-pulled URLs.")
@format_option()
@root_option
@pass_options
def sources_command(opts: Options, problems: bool, output_format: str) -> None:
    """List cited URLs: state, HTTP status, title, last checked, and the entries citing them."""
    from feedpub import sources as sourcelib
    from feedpub.assemble import load_compiled

    records = sourcelib.load_lock(opts.root / sourcelib.LOCK_NAME)
    publication, _parts, _hashes = load_compiled(opts.root, records)
    rows = source_rows(sourcelib.collect_citations(publication.entries), records)
    if problems:
        rows = [row for row in rows if row.state != "ok"]
    if output_format == "json":
        click.echo(json.dumps({"sources": [source_json(row, records) for row in rows]}, indent=2))
    elif rows:
        click.echo(sources_table(rows))
    else:
        opts.say("no cited sources" if not problems else "no problems")
