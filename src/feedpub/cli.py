"""The command line: options → one library call → echo. User errors become exit codes here, once."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

from feedpub import __version__
from feedpub.cliformat import (
    EXAMPLES,
    BuildProgress,
    ProgressBar,
    RedactUrls,
    add_examples,
    log_file_handler,
    publish_json,
    terminal,
)
from feedpub.clioptions import (
    Options,
    format_option,
    now_option,
    parse_now,
    pass_options,
    print_problems,
    root_option,
)
from feedpub.clisources import pull, sources_command
from feedpub.errors import FeedpubError
from feedpub.redact import redact_text

log = logging.getLogger("feedpub")


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="FEEDPUB_ROOT",
    default=".",
    show_default=True,
    help="The publication root (also FEEDPUB_ROOT).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option("-v", "--verbose", count=True, help="Say more (repeat for debug output).")
@click.pass_context
def cli(ctx: click.Context, root: Path, quiet: bool, verbose: int) -> None:
    """feedpub: YAML briefings in, validated RSS, Atom and JSON feeds out, published anywhere."""
    # The logger passes everything; each handler picks its own level (a --log-file wants INFO).
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactUrls())
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    ctx.obj = Options(root=root, quiet=quiet, verbose=verbose, handler=handler)
    ctx.obj.set_verbosity(verbose)


# --- build ---------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--force", is_flag=True, help="Rebuild even when no input changed since the last build."
)
@click.option(
    "--replace-output",
    is_flag=True,
    help="Replace an output folder that holds files feedpub did not write (they are deleted).",
)
@root_option
@now_option
@pass_options
def build(opts: Options, force: bool, replace_output: bool, now: datetime | None) -> None:
    """Build every feed and the site into the output folder (default public/)."""
    from feedpub.pipeline import build as build_publication

    bar = BuildProgress() if terminal() and not opts.quiet else None
    try:
        result = build_publication(
            opts.root, now=now, force=force, replace_output=replace_output, progress=bar
        )
    finally:
        if bar is not None:
            bar.finish()
    print_problems(result.warnings)
    opts.say(result.summary())


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--title", default=None, help="The publication's title.")
@click.option("--base-url", default=None, help="Where the output will be served.")
@root_option
@pass_options
def init(opts: Options, directory: Path | None, title: str | None, base_url: str | None) -> None:
    """Start a new publication in DIRECTORY (default: --root) that builds at once."""
    from feedpub.scaffold import init_publication

    target = directory if directory is not None else opts.root
    created = init_publication(target, title=title, base_url=base_url)
    for path in created:
        opts.say(f"created {path}")
    opts.say(
        "its look comes from templates: `feedpub templates` lists them, "
        "`feedpub templates copy entry.html` copies one into templates/ to edit"
    )


@cli.command()
@click.argument("title")
@click.option("--tag", "tags", multiple=True, help="A tag for the entry (repeatable).")
@root_option
@now_option
@pass_options
def new(opts: Options, title: str, tags: tuple[str, ...], now: datetime | None) -> None:
    """Write a new entry file titled TITLE and print its path."""
    from feedpub.scaffold import new_entry

    path = new_entry(opts.root, title, tags=tags, now=now)
    click.echo(path)


# --- templates -----------------------------------------------------------------------------


@cli.group("templates", invoke_without_command=True)
@root_option
@pass_options
@click.pass_context
def templates_command(ctx: click.Context, opts: Options) -> None:
    """List the page templates: the package's defaults and the overrides in templates/."""
    if ctx.invoked_subcommand is not None:
        return
    from feedpub.scaffold import list_templates

    rows = list_templates(opts.root)
    width = max(len(row.name) for row in rows)
    for row in rows:
        click.echo(f"{row.name.ljust(width)}  {row.origin}")


@templates_command.command("copy")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@click.option("--force", is_flag=True, help="Overwrite a template already in templates/.")
@root_option
@pass_options
def templates_copy(opts: Options, names: tuple[str, ...], force: bool) -> None:
    """Copy default templates into templates/ to edit them."""
    from feedpub.scaffold import copy_templates

    for path in copy_templates(opts.root, names, force=force):
        opts.say(f"created {path}")


# --- validate ------------------------------------------------------------------------------


@cli.command()
@click.argument("targets", nargs=-1, metavar="[FILE|URL]...")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@format_option("json: one JSON object per message, one per line.")
@root_option
@click.option(
    "--now",
    metavar="TIME",
    callback=lambda _ctx, _param, value: parse_now(value),
    help="Judge dates as if the clock said TIME (ISO 8601): what counts as in the future.",
)
@pass_options
def validate(
    opts: Options, targets: tuple[str, ...], strict: bool, output_format: str, now: datetime | None
) -> int:
    """Validate feed files or URLs (default: every feed of the last build).

    Exit 0 when no feed has errors, 1 when one has (or warnings, with --strict), 2 when a file
    is missing or is not a feed.
    """

    from feedpub.validate import validate_targets

    run = validate_targets(targets, root=opts.root, strict=strict, now=now)
    for problem in run.problems:
        if output_format == "json":
            loc = problem.location
            click.echo(
                json.dumps(
                    {
                        "file": loc.file,
                        "line": loc.line,
                        "column": loc.column,
                        "level": problem.severity.value,
                        "code": problem.code,
                        "message": problem.message,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(str(problem))
    if output_format == "text":
        opts.say(run.summary())
    return run.exit_code


@cli.command("publish")
@click.argument("names", nargs=-1, metavar="[TARGET]...")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the plan (upload / skip / delete, with reasons); change nothing.",
)
@click.option(
    "--delete", is_flag=True, help="Remove files from the target that the output no longer has."
)
@click.option(
    "--max-deletes",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    metavar="N",
    help="With --delete: delete nothing at all when more than N files would go.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Upload up to N files at once to S3 and WebDAV targets (default: the target's jobs:, else 8).",
)
@format_option()
@root_option
@pass_options
def publish_command(
    opts: Options,
    names: tuple[str, ...],
    dry_run: bool,
    delete: bool,
    max_deletes: int,
    jobs: int | None,
    output_format: str,
) -> None:
    """Upload the output to the targets in feedpub.yaml (all, or the TARGETs named): changed files only."""
    from feedpub.publish import PublishOptions, PublishReport, publish

    as_json = output_format == "json"
    progress = (
        ProgressBar()
        if sys.stderr.isatty() and not opts.quiet and not dry_run and not as_json
        else None
    )
    reports: list[PublishReport] = []

    def on_report(report: PublishReport) -> None:
        reports.append(report)
        if progress is not None:
            progress.finish()
        if as_json:
            return
        if report.dry_run:
            opts.say(f"{report.target} ({report.url}): {report.summary()}")
            for line in report.plan.lines(verbose=opts.verbose > 0):
                opts.say(f"  {line}")
        elif report.ok:
            opts.say(f"{report.target}: {report.summary()}")

    from feedpub.lock import publication_lock

    # The output must not be swapped by a build while its files go up.
    with publication_lock(opts.root, "publish"):
        publish(
            opts.root,
            names,
            PublishOptions(
                dry_run=dry_run,
                delete=delete,
                max_deletes=max_deletes,
                jobs=jobs,
                progress=progress,
                on_report=on_report,
            ),
        )
    if as_json:
        click.echo(json.dumps({"targets": [publish_json(r) for r in reports]}, indent=2))


# --- run -----------------------------------------------------------------------------------


@cli.command("run")
@click.option(
    "--pull/--no-pull",
    "do_pull",
    default=True,
    show_default=True,
    help="Pull sources that are new or older than max-age first.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="NAME",
    help="Publish only to this target (repeatable); default: every target.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append timestamped lines to this file (rotated at 1 MB, 3 kept).",
)
@root_option
@now_option
@pass_options
def run_command(
    opts: Options,
    do_pull: bool,
    targets: tuple[str, ...],
    log_file: Path | None,
    now: datetime | None,
) -> None:
    """The cron job: pull → build → validate → publish, silent when nothing changed.

    Exit codes: 0 ok (also nothing to do), 1 a failure, 2 bad input, 3 another run holds the lock.
    """
    from feedpub.run import run

    file_handler = log_file_handler(log_file) if log_file else None
    try:
        try:
            result = run(opts.root, pull=do_pull, targets=targets, now=now)
        except FeedpubError as exc:
            for problem in exc.problems:
                log.debug("%s", problem)  # to the log file; main() prints them to stderr
            if file_handler:
                file_handler.handle(
                    log.makeRecord("feedpub", logging.ERROR, "", 0, exc.message, (), None)
                )
            raise
        except Exception as exc:
            # Only 0-3 may leave a cron job: an unexpected failure is a failure (1), logged in full.
            log.debug("unexpected failure", exc_info=True)
            raise FeedpubError(f"run failed unexpectedly: {exc}") from exc
        if result.changed:
            opts.say(result.summary())
    finally:
        if file_handler:
            log.removeHandler(file_handler)
            file_handler.close()


# --- serve ---------------------------------------------------------------------------------


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 to listen on.")
@click.option(
    "--build/--no-build",
    "build_first",
    default=True,
    show_default=True,
    help="Build before serving.",
)
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when the publication changes; open pages reload themselves.",
)
@root_option
@now_option
@pass_options
def serve(opts: Options, port: int, build_first: bool, watch: bool, now: datetime | None) -> None:
    """Serve the output folder on http://127.0.0.1:PORT/ to preview it (Ctrl-C stops)."""
    from feedpub.serve import serve_output

    serve_output(
        opts.root,
        port=port,
        build_first=build_first,
        now=now,
        say=opts.say,
        warn=lambda line: click.echo(redact_text(line), err=True),
        live=watch,
    )


for command in (pull, sources_command):
    cli.add_command(command)
add_examples(cli)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code: 0 ok, 1 failure, 2 bad input or usage, 3 locked."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="feedpub",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code == 2 else exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except FeedpubError as exc:
        print_problems(exc.problems)
        click.echo(f"feedpub: {redact_text(exc.message)}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 1
    return int(result) if isinstance(result, int) else 0


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry_point()
