"""A built output folder and named targets in, the changed files uploaded to each target out."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedpub.errors import FeedpubError, PublishError, UsageError
from feedpub.publish.base import MANIFEST_NAME, LocalFile, Target, TargetConfig
from feedpub.publish.execute import DEFAULT_JOBS, MAX_JOBS, execute
from feedpub.publish.plan import Plan, cache_rules, make_plan, scan_output
from feedpub.publish.registry import make_target
from feedpub.publish.retry import RetryPolicy
from feedpub.publish.websub import Topic, ping, topics_for
from feedpub.redact import redact_url

__all__ = [
    "MANIFEST_NAME",
    "LocalFile",
    "PublishOptions",
    "PublishReport",
    "Target",
    "TargetConfig",
    "Topic",
    "publish",
    "publish_output",
]

log = logging.getLogger("feedpub")

ProgressHook = Callable[[str, str, int, int], None]  # (target, path, done, total)


@dataclass(frozen=True)
class PublishReport:
    """What happened (or, for a dry run, would happen) on one target."""

    target: str
    url: str  # without credentials
    plan: Plan
    dry_run: bool = False
    error: str = ""  # set when this target failed; the publish then exits 1

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        """``3 uploaded, 412 unchanged, 0 deleted`` (a dry run: ``3 to upload, …``)."""
        p = self.plan
        if self.dry_run:
            return f"{len(p.uploads)} to upload, {len(p.unchanged)} unchanged, {len(p.deletes)} to delete"
        return f"{len(p.uploads)} uploaded, {len(p.unchanged)} unchanged, {len(p.deletes)} deleted"


@dataclass(frozen=True)
class PublishOptions:
    dry_run: bool = False
    delete: bool = False
    max_deletes: int = 10
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    progress: ProgressHook | None = None
    on_report: Callable[[PublishReport], None] | None = None  # each target as it finishes
    jobs: int | None = None  # uploads at once (--jobs); None: the target's `jobs:`, else 8
    hub_timeout: float = 10.0


def publish(
    root: Path, names: Sequence[str] = (), options: PublishOptions | None = None
) -> list[PublishReport]:
    """Publish the publication at ``root`` to the named targets (all when ``names`` is empty)."""
    from feedpub.load import load_feeds, load_settings

    settings = load_settings(root)
    feeds = load_feeds(root, settings)
    configs = select_targets(settings.targets, names)
    return publish_output(settings.output, configs, topics_for(settings.base_url, feeds), options)


def select_targets(
    targets: Mapping[str, Mapping[str, object]], names: Sequence[str]
) -> list[TargetConfig]:
    """TargetConfigs for ``names`` (or every target), in the order asked; UsageError for unknown names."""
    if not targets:
        raise UsageError(
            "no targets in feedpub.yaml; add one, e.g. targets: {production: {url: file:///srv/www}}"
        )
    for name in names:
        if name not in targets:
            close = [t for t in targets if t.startswith(name)] or difflib.get_close_matches(
                name, list(targets), n=1
            )
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"unknown target {name!r}{hint} (feedpub.yaml has: {', '.join(targets)})"
            )
    chosen = list(dict.fromkeys(names)) if names else list(targets)
    configs = []
    for name in chosen:
        options = dict(targets[name])
        url = options.get("url")
        if not isinstance(url, str) or not url:
            raise UsageError(f"target {name!r}: expected a url")
        configs.append(TargetConfig(name, url, options))
    return configs


def publish_output(
    output: Path,
    targets: Sequence[TargetConfig],
    topics: Mapping[str, Topic] | None = None,
    options: PublishOptions | None = None,
) -> list[PublishReport]:
    """Publish ``output`` to each target in turn; PublishError (exit 1) when any failed.

    A failed target does not stop the others. Hubs are pinged once per changed feed file,
    only after a real publish, and only for targets that succeeded.
    """
    opts = options or PublishOptions()
    if opts.max_deletes < 0:
        raise UsageError(f"--max-deletes: expected 0 or more, got {opts.max_deletes}")
    if opts.jobs is not None and not 1 <= opts.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: expected a number from 1 to {MAX_JOBS}, got {opts.jobs}")
    reports: list[PublishReport] = []
    changed_feeds: dict[str, None] = {}
    for config in targets:
        report = publish_target(output, config, opts)
        reports.append(report)
        if opts.on_report:
            opts.on_report(report)
        if report.ok and not report.dry_run:
            changed_feeds.update((u.file.path, None) for u in report.plan.uploads)
    if topics and not opts.dry_run:
        due = [topics[path] for path in changed_feeds if path in topics]
        for warning in ping(due, opts.retry, opts.hub_timeout):
            log.warning("%s", warning)
    failed = [r for r in reports if not r.ok]
    if failed:
        raise PublishError("; ".join(r.error for r in failed))
    return reports


def publish_target(output: Path, config: TargetConfig, opts: PublishOptions) -> PublishReport:
    """Plan and (unless a dry run) carry out one target. User mistakes raise; failures are reported."""
    files = scan_output(output, cache_rules(config.options.get("cache_control"), config.name))
    target = make_target(config)
    jobs = opts.jobs or target_jobs(config)
    url = redact_url(config.url)
    plan = make_plan(config.name, files, {}, opts.delete, opts.max_deletes)
    try:
        try:
            target.open()
            remote = target.remote_digests()
        except UsageError:
            raise
        except FeedpubError as exc:
            return PublishReport(config.name, url, plan, opts.dry_run, exc.message)
        except Exception as exc:
            return PublishReport(
                config.name, url, plan, opts.dry_run, f"{config.name}: cannot read {url}: {exc}"
            )
        plan = make_plan(config.name, files, remote, opts.delete, opts.max_deletes)
        if opts.dry_run:
            return PublishReport(config.name, url, plan, True)
        hook = opts.progress
        progress = (
            None
            if hook is None
            else (lambda path, done, total: hook(config.name, path, done, total))
        )
        try:
            execute(target, plan, opts.retry, progress, jobs)
        except PublishError as exc:
            return PublishReport(config.name, url, plan, False, exc.message)
        error = f"{config.name}: {plan.refused}" if plan.refused else ""
        return PublishReport(config.name, url, plan, False, error)
    finally:
        try:
            target.close()
        except Exception as exc:  # a failed close must not hide the real outcome
            log.debug("%s: close failed: %s", config.name, exc)


def target_jobs(config: TargetConfig) -> int:
    """The target's ``jobs:`` setting (uploads at once), DEFAULT_JOBS when it has none."""
    value = config.options.get("jobs", DEFAULT_JOBS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_JOBS:
        raise UsageError(
            f"target {config.name!r}: jobs: expected a number from 1 to {MAX_JOBS}, got {value!r}"
        )
    return value
