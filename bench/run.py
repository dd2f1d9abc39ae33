"""Generated publications in, a Markdown table of timings, memory and targets out (``bench/results.md``).

``make bench`` measures feedpub's cold build, rebuilds, validate, pull and publish at 1,000 and
10,000 entries (100,000 with ``BENCH_LARGE=1``) next to the baselines (the obvious pyyaml +
feedgen script, the same with libyaml's C loader, Hugo when installed, and parsing alone), all in
one run on one machine: only ratios from the same run count. ``--quick`` (``make bench-quick``)
runs N = 1,000 once, without Hugo, in well under a minute, and writes ``bench/results-quick.md``.

Every measurement is a subprocess: wall time from start to ``os.wait4``, peak memory as the largest
of the child's ``ru_maxrss`` (from ``wait4``; only when above the benchmark's own peak, which Linux
carries into a child across exec), its sampled high-water mark, and the sampled memory of its whole
process tree (a process pool's workers count together, by PSS: a page a forked worker shares with
its parent counts once, not once per process). The exit code is non-zero only
when something failed to run, never for a missed target.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE = REPO / "src" / "feedpub"  # compiled to bytecode before anything is timed
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - bench/ is not a package
import hugo  # noqa: E402

NOW = "2030-01-01T00:00:00Z"
GiB = 1024**3
MiB = 1024**2
RUN_TIMEOUT = 1800.0  # seconds for any one measured command
PAGE = os.sysconf("SC_PAGE_SIZE")
SERVER_DELAY = 0.05  # seconds each pull request waits before the answer
PUBLISH_DELAY_MS = 20  # each request to the S3 server waits this long: a nearby region's round trip
PULL_HOSTS = 8  # loopback addresses 127.0.0.1..8: cited URLs spread over hosts, as in real life


def feedpub_command() -> list[str]:
    exe = Path(sys.executable).with_name("feedpub")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "feedpub"]


FEEDPUB = feedpub_command()


# --- measuring one process -----------------------------------------------------------------


class TreeSampler(threading.Thread):
    """Polls /proc for the resident size of a process and all its descendants; keeps the peak.

    Also the process's own high-water mark (VmHWM), which catches a peak between two polls.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.peak = max(self.peak, tree_memory(self.pid), high_water(self.pid))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def proc_kib(path: str, key: bytes) -> int | None:
    """Bytes: the "``key`` N kB" line of a /proc file; None when it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return None


def high_water(pid: int) -> int:
    """Bytes: the peak resident size of ``pid``'s program so far (0 when it is gone)."""
    return proc_kib(f"/proc/{pid}/status", b"VmHWM:") or 0


def tree_memory(root: int) -> int:
    """Bytes held by ``root`` and its descendants now (their PSS; 0 when it is gone)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields follow the last ')'
        rest = stat[stat.rfind(b")") + 2 :].split()
        parents[int(name)] = int(rest[1])
    family = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                grew = True
    return sum(proportional_size(pid) for pid in family)


def proportional_size(pid: int) -> int:
    """Bytes of memory ``pid`` holds, a page shared with n processes counting 1/n (its PSS):
    a forked worker shares most of its parent's pages, which RSS would count once per process.
    RSS where the kernel gives no PSS; 0 when the process is gone."""
    found = proc_kib(f"/proc/{pid}/smaps_rollup", b"Pss:")
    if found is not None:
        return found
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


@dataclass
class Sample:
    seconds: float
    rss: int  # bytes
    code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    cpu: float = 0.0  # user + system seconds of the command (wait4)


class RunFailed(Exception):
    """A measured command exited non-zero, or could not start."""


def run_once(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
    timeout: float = RUN_TIMEOUT,
) -> Sample:
    """Run ``cmd``, wait for it with ``os.wait4``; RunFailed unless its exit code is in ``ok``.

    The command runs in its own process group, killed whole after ``timeout`` seconds (the
    sample then says ``timed_out``) or when the benchmark itself is interrupted.
    """
    # Linux carries the forking process's peak into the child's ru_maxrss across exec: a child's
    # figure at or below the benchmark's own peak may be just that, so the samples decide then.
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        expired = threading.Event()
        killer = threading.Timer(timeout, lambda: (expired.set(), _kill_group(proc.pid)))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            killer.cancel()
            seconds = time.perf_counter() - start
            peak = sampler.stop()
        _kill_group(proc.pid)  # a worker the command left behind
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        sample = Sample(
            seconds,
            max(usage.ru_maxrss * 1024 if usage.ru_maxrss * 1024 > own_peak else 0, peak),
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            timed_out=expired.is_set(),
            cpu=usage.ru_utime + usage.ru_stime,
        )
    if sample.timed_out:
        raise RunTimedOut(sample, timeout)
    if sample.code not in ok:
        tail = (sample.stderr.strip() or sample.stdout.strip())[-1500:]
        raise RunFailed(f"`{' '.join(cmd)}` exited {sample.code}: {tail}")
    return sample


class RunTimedOut(RunFailed):
    """A measured command ran past its time limit and was killed: a figure of "more than"."""

    def __init__(self, sample: Sample, limit: float) -> None:
        super().__init__(f"killed after {limit:.0f} s")
        self.sample = sample
        self.limit = limit


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --- figures -------------------------------------------------------------------------------


@dataclass
class Figure:
    """One measured figure: several runs of one command."""

    key: str
    label: str
    n: int
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.seconds for s in self.samples)

    @property
    def timed_out(self) -> bool:
        return any(s.timed_out for s in self.samples)

    @property
    def rss(self) -> int:
        return max(s.rss for s in self.samples)


@dataclass
class Check:
    """A target: what it asks, what was measured, whether it was met (None: could not tell)."""

    target: str
    measured: str
    met: bool | None
    figure: str = ""  # the figure key the target belongs to


@dataclass
class Bench:
    quick: bool
    large: bool
    work: Path
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def runs(self, n: int) -> int:
        if self.quick:
            return 1
        return 5 if n <= 1000 else 3 if n <= 10_000 else 1

    def find(self, key: str, n: int) -> Figure | None:
        for figure in self.figures:
            if figure.key == key and figure.n == n and figure.ok:
                return figure
        return None

    def latest(self, key: str) -> Figure | None:
        """The last successful figure with this key, whatever its N."""
        found = [f for f in self.figures if f.key == key and f.ok]
        return found[-1] if found else None

    def measure(
        self,
        key: str,
        label: str,
        n: int,
        make: Callable[[int], Sequence[str]],
        *,
        runs: int,
        before: Callable[[int], None] | None = None,
        after: Callable[[int, Sample], None] | None = None,
        env: dict[str, str] | None = None,
        ok: Sequence[int] = (0,),
        timeout: float = RUN_TIMEOUT,
    ) -> Figure:
        """Run ``make(i)`` ``runs`` times (``before(i)`` first, untimed) and keep the figure.

        A run past ``timeout`` is killed and ends the figure as "more than ``timeout``": a
        missed target, not a failure to run.
        """
        figure = Figure(key, label, n)
        self.figures.append(figure)
        print(f"  {label} (N={n:,}) × {runs} ...", end="", flush=True, file=sys.stderr)
        try:
            for index in range(runs):
                if before is not None:
                    before(index)
                try:
                    sample = run_once(make(index), env=env, ok=ok, timeout=timeout)
                except RunTimedOut as exc:
                    figure.samples.append(exc.sample)
                    figure.note = f"killed after {exc.limit:.0f} s: takes longer"
                    break
                figure.samples.append(sample)
                if after is not None:
                    after(index, sample)
            print(f" {figure.median:.2f} s, {figure.rss / MiB:.0f} MiB", file=sys.stderr)
        except Exception as exc:
            figure.error = (
                str(exc)
                if isinstance(exc, RunFailed)
                else (f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
            )
            self.failures.append(f"{label} (N={n:,}): {figure.error}")
            print(f" FAILED: {figure.error.splitlines()[0][:300]}", file=sys.stderr)
        return figure

    def step(self, what: str, action: Callable[[], None]) -> bool:
        """An untimed preparation step; a failure is recorded and the caller skips what needs it."""
        try:
            action()
            return True
        except Exception as exc:
            message = str(exc) if isinstance(exc, RunFailed) else f"{type(exc).__name__}: {exc}"
            self.failures.append(f"{what}: {message}")
            print(f"  {what}: FAILED: {message[:300]}", file=sys.stderr)
            return False


# --- publications --------------------------------------------------------------------------


def clean_build(root: Path) -> None:
    """Remove the output and feedpub's caches: the next build is cold."""
    shutil.rmtree(root / "public", ignore_errors=True)
    for path in root.iterdir():
        if path.name.startswith(".feedpub") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def build_cmd(root: Path) -> list[str]:
    return [*FEEDPUB, "-q", "build", "--root", str(root), "--now", NOW]


def build(root: Path) -> None:
    """An untimed build (RunFailed when it fails)."""
    run_once(build_cmd(root))


def edit_entry(root: Path, entry: generate.EntryData, mark: str) -> None:
    """Change one entry's lead paragraph, as a correction would."""
    path = root / entry.rel_path
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("summary: >-\n", f"summary: >-\n  {mark}\n", 1), encoding="utf-8")


def added_entry(entries: Sequence[generate.EntryData], index: int) -> generate.EntryData:
    """A new briefing, newer than every generated one, related to the newest."""
    newest = entries[-1]
    published = generate.LAST + timedelta(days=1, hours=index)
    return dataclasses.replace(
        newest,
        id=f"{published:%Y-%m-%d}-added-{index:03d}",
        year=published.year,
        published=published,
        related=[newest.id],
        title=f"Added briefing {index}",
    )


# --- cold build, rebuilds, baselines -------------------------------------------------------


def bench_size(bench: Bench, n: int, *, with_hugo: bool) -> None:
    """Cold build, baselines and rebuilds at N entries."""
    root = bench.work / f"pub-{n}"
    print(f"N = {n:,}: generating ...", file=sys.stderr)
    entries = generate.generate(root, n)
    runs = bench.runs(n)

    bench.measure(
        "cold",
        "Cold build (RSS + Atom + JSON Feed + HTML)",
        n,
        lambda i: build_cmd(root),
        runs=runs,
        before=lambda i: clean_build(root),
    )
    copy = bench.work / f"copy-{n}"
    for key, label, options in (
        ("write_floor", "Floor: write the cold build's output files (plain os calls)", []),
        (
            "link_floor",
            "Floor: hard-link the cold build's output files into a new folder",
            ["--link"],
        ),
    ):
        bench.measure(
            key,
            label,
            n,
            lambda i, options=options: [
                sys.executable,
                str(HERE / "writefloor.py"),
                str(root / "public"),
                str(copy),
                *options,
            ],
            runs=runs,
            before=lambda i: shutil.rmtree(copy, ignore_errors=True),
        )
    shutil.rmtree(copy, ignore_errors=True)
    if not bench.quick and n <= 10_000:  # Pagefind over 100,000 pages: far past 10 minutes
        bench_search(bench, root, n, runs)
    out = bench.work / f"obvious-{n}"
    obvious = [sys.executable, str(HERE / "obvious.py"), str(root), "--out", str(out)]
    if n <= 10_000:
        bench.measure(
            "obvious",
            "Obvious script (yaml.safe_load + feedgen; RSS + Atom)",
            n,
            lambda i: obvious,
            runs=runs,
        )
    bench.measure(
        "obvious_c", "Obvious script, C loader", n, lambda i: [*obvious, "--c-loader"], runs=runs
    )
    bench.measure(
        "floor",
        "Floor: parse with libyaml's C loader only",
        n,
        lambda i: [sys.executable, str(HERE / "floor.py"), str(root)],
        runs=runs,
    )
    if fast_yaml_available():
        bench.measure(
            "yaml_rs",
            "Parse with yaml-rs only (fast-path candidate)",
            n,
            lambda i: [FASTYAML_PYTHON, str(HERE / "fastyaml.py"), str(root), "--parse-only"],
            runs=runs,
        )
        bench.step(f"yaml-rs comparison (N={n:,})", lambda: check_fast_yaml(bench, root, n))
    if with_hugo:
        site = bench.work / f"hugo-{n}"
        if bench.step(f"Hugo site for N={n:,}", lambda: hugo.write_site(site, entries)):
            bench.measure(
                "hugo",
                "Hugo (RSS + Atom + HTML pages)",
                n,
                lambda i: hugo.command(site),
                runs=runs,
                before=lambda i: (
                    shutil.rmtree(site / "public", ignore_errors=True),
                    shutil.rmtree(site / ".hugo-cache", ignore_errors=True),
                    shutil.rmtree(site / "resources", ignore_errors=True),
                ),
            )
    if n > 10_000:
        return
    # Rebuilds start from a complete build with a warm cache.
    if not bench.step(f"build before rebuilds (N={n:,})", lambda: build(root)):
        return
    bench.measure(
        "rebuild_none", "Rebuild, nothing changed", n, lambda i: build_cmd(root), runs=runs
    )
    bench.measure(
        "rebuild_changed",
        "Rebuild, one entry changed",
        n,
        lambda i: build_cmd(root),
        runs=runs,
        before=lambda i: edit_entry(root, entries[-1 - i], f"Revised {i}."),
    )

    def add(index: int) -> None:
        extra = added_entry(entries, index)
        (root / extra.rel_path).parent.mkdir(parents=True, exist_ok=True)
        (root / extra.rel_path).write_text(generate.entry_yaml(extra), encoding="utf-8")

    bench.measure(
        "rebuild_added",
        "Rebuild, one entry added",
        n,
        lambda i: build_cmd(root),
        runs=runs,
        before=add,
    )
    check_yaml_errors(bench, root, n, runs)


def bench_search(bench: Bench, root: Path, n: int, runs: int) -> None:
    """The cold build again with ``search: true``: the same build plus the Pagefind index."""
    from feedpub.search import pagefind_binary

    if pagefind_binary() is None:
        bench.notes.append("Pagefind is not installed: `search: true` was not measured")
        return
    settings = root / "feedpub.yaml"
    original = settings.read_text(encoding="utf-8")
    settings.write_text(original + "search: true\n", encoding="utf-8")
    try:
        bench.measure(
            "cold_search",
            "Cold build with `search: true` (+ Pagefind index)",
            n,
            lambda i: build_cmd(root),
            runs=runs,
            before=lambda i: clean_build(root),
        )
    finally:
        settings.write_text(original, encoding="utf-8")


# yaml-rs is no feedpub dependency: BENCH_FASTYAML_PYTHON may name an interpreter that has it
# (and PyYAML with libyaml); by default the one running the benchmark, when it has it.
FASTYAML_PYTHON = os.environ.get("BENCH_FASTYAML_PYTHON") or sys.executable


def fast_yaml_available() -> bool:
    """Whether FASTYAML_PYTHON can import yaml_rs."""
    done = subprocess.run(
        [FASTYAML_PYTHON, "-c", "import yaml_rs"], capture_output=True, check=False
    )
    return done.returncode == 0


def check_fast_yaml(bench: Bench, root: Path, n: int) -> None:
    """yaml-rs against the safe loader: every entry file and the YAML 1.1 corner cases."""
    sample = run_once([FASTYAML_PYTHON, str(HERE / "fastyaml.py"), str(root)], ok=(0, 1))
    lines = sample.stdout.strip().splitlines()
    bench.checks.append(
        Check(
            f"yaml-rs gives the safe loader's data (N={n:,} + corner cases)",
            "; ".join(lines[:2]),
            sample.code == 0,
            "yaml_rs",
        )
    )
    bench.notes += [f"yaml-rs differs: {line.strip()}" for line in lines[2:]][:30]


def check_yaml_errors(bench: Bench, root: Path, n: int, runs: int) -> None:
    """A build with one broken entry, after a complete build: timed (it must fail fast, before
    the parse cache is read), and its message must still be ``file:line:col`` (exit 2)."""
    bad = root / "entries" / "2029" / "zz-broken.yaml"
    samples: list[Sample] = []

    def write(index: int) -> None:
        bad.write_text(
            f"title: Broken {index}\npublished: 2029-12-30T10:00:00Z\nsummary: [unclosed\n",
            encoding="utf-8",
        )

    try:
        bench.measure(
            "failing",
            "Build with one broken entry (exit 2)",
            n,
            lambda i: build_cmd(root),
            runs=runs,
            before=write,
            after=lambda i, sample: samples.append(sample),
            ok=(2,),
        )
    finally:
        bad.unlink(missing_ok=True)
    if not samples:
        bench.checks.append(Check(f"YAML error keeps file:line:col (N={n:,})", "not run", False))
        return
    sample = samples[-1]
    found = re.search(r"entries/2029/zz-broken\.yaml:\d+:\d+: error: [^\n]*", sample.stderr)
    bench.checks.append(
        Check(
            f"YAML error keeps file:line:col (N={n:,}, exit 2)",
            f"exit {sample.code}: `{found.group(0) if found else sample.stderr.strip()[:160]}`",
            bool(found) and sample.code == 2,
            "failing",
        )
    )


VALIDATE_TIMEOUT = 300.0  # seconds: a validate slower than this is reported as "> 300 s"


def bench_validate(bench: Bench, n: int) -> None:
    """``feedpub validate`` over feeds holding every one of N items (feed `all` without a limit).

    The feeds are built through the library with validation off (untimed), so that a slow
    validator costs the benchmark one time limit, not two.
    """
    root = bench.work / f"archive-{n}"
    generate.write_publication(root, generate.make_entries(n), all_limit=n)
    script = (
        "import sys; from datetime import datetime; from pathlib import Path; "
        "from feedpub.pipeline import build; "
        "build(Path(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]), validate=False)"
    )
    prepare = [sys.executable, "-c", script, str(root), NOW.replace("Z", "+00:00")]
    if not bench.step(f"build {n:,}-item feeds", lambda: run_once(prepare) and None):
        return
    bench.measure(
        "validate",
        f"Validate feeds of {n:,} items (RSS + Atom + JSON Feed)",
        n,
        lambda i: [*FEEDPUB, "-q", "validate", "--root", str(root), "--now", NOW],
        runs=bench.runs(n),
        timeout=VALIDATE_TIMEOUT,
    )


# --- pull ----------------------------------------------------------------------------------


class SourceServer(ThreadingHTTPServer):
    """Answers every GET after SERVER_DELAY: a small page with a title and an ETag, or 304."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], counters: dict[str, int], lock: threading.Lock
    ) -> None:
        super().__init__(address, SourceHandler)
        self.counters = counters
        self.lock = lock


class SourceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (~40 ms) on every kept-alive request. Web servers turn it off.
    disable_nagle_algorithm = True
    server: SourceServer

    def do_GET(self) -> None:
        time.sleep(SERVER_DELAY)
        etag = '"' + hashlib.sha256(self.path.encode()).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._count("not_modified")
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        name = self.path.rsplit("/", 1)[-1]
        body = (
            f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Source {name}</title>"
            f"<meta name=description content='A page the briefings cite.'></head><body>"
            f"<p>{'Reported facts. ' * 60}</p></body></html>"
        ).encode()
        self._count("bodies")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _count(self, what: str) -> None:
        with self.server.lock:
            self.server.counters[what] = self.server.counters.get(what, 0) + 1

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def source_servers(count: int) -> Iterator[tuple[list[str], dict[str, int]]]:
    """Servers on 127.0.0.1..count (fewer when an address cannot be bound); base URLs, counters."""
    counters: dict[str, int] = {}
    lock = threading.Lock()
    servers: list[SourceServer] = []
    threads: list[threading.Thread] = []
    try:
        for index in range(1, count + 1):
            try:
                server = SourceServer((f"127.0.0.{index}", 0), counters, lock)
            except OSError:
                if not servers:
                    raise
                break
            servers.append(server)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            thread.start()
            threads.append(thread)
        yield [f"http://{s.server_address[0]}:{s.server_address[1]}/" for s in servers], counters
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


def pull_summary(sample: Sample) -> str:
    found = re.search(r"^\d+ fetched, \d+ unchanged, \d+ dead, \d+ moved.*$", sample.stdout, re.M)
    return found.group(0) if found else sample.stdout.strip()[-200:]


def bench_pull(bench: Bench, count: int) -> None:
    """Pull ``count`` distinct cited URLs from slow loopback servers; then re-pull (all 304)."""
    with source_servers(PULL_HOSTS) as (bases, counters):
        urls = [f"{bases[i % len(bases)]}src/{i:05d}" for i in range(count)]
        root = bench.work / f"pull-{count}"
        per_host = "" if len(bases) >= 4 else "  per_host: 16\n"
        entries = generate.make_entries(count, source_urls=urls)
        generate.write_publication(
            root, entries, settings_extra=f"sources:\n  allow_private: true\n{per_host}"
        )
        if len(bases) < PULL_HOSTS:
            bench.notes.append(f"pull: only {len(bases)} loopback address(es) could be bound")
        lock = root / "sources.lock"
        pull = [*FEEDPUB, "pull", "--root", str(root), "--allow-private", "--all", "--now", NOW]

        def fresh(_index: int) -> None:
            lock.unlink(missing_ok=True)
            counters.clear()

        def record(figure_key: str) -> Callable[[int, Sample], None]:
            def after(_index: int, sample: Sample) -> None:
                figure = bench.figures[-1]
                figure.extra.setdefault("summaries", []).append(pull_summary(sample))
                figure.extra.setdefault("bodies", []).append(counters.get("bodies", 0))
                figure.extra.setdefault("not_modified", []).append(counters.get("not_modified", 0))

            return after

        runs = 1 if bench.quick else 3
        bench.measure(
            "pull",
            f"Pull {count:,} sources (50 ms each, default workers)",
            count,
            lambda i: pull,
            runs=runs,
            before=fresh,
            after=record("pull"),
        )
        bench.measure(
            "pull_sequential",
            f"Pull {count:,} sources, --workers 1 (sequential)",
            count,
            lambda i: [*pull, "--workers", "1"],
            runs=1,
            before=fresh,
            after=record("pull_sequential"),
        )
        bench.measure(
            "repull",
            "Re-pull, every source answers 304",
            count,
            lambda i: pull,
            runs=runs,
            before=lambda i: counters.clear(),
            after=record("repull"),
        )
        # One plain request, to state the sequential floor: count × the latency of one.
        started = time.perf_counter()
        import urllib.request

        with urllib.request.urlopen(urls[0], timeout=10) as response:
            response.read()
        bench.notes.append(
            f"pull: one request to the loopback server takes "
            f"{(time.perf_counter() - started) * 1000:.0f} ms; "
            f"{count:,} in sequence ≥ {count * SERVER_DELAY:.1f} s"
        )


# --- publish -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PUBLISH_LINE = re.compile(r"^(\w+): (\d+) uploaded, (\d+) unchanged, (\d+) deleted$", re.M)


def process_cpu(pid: int) -> float:
    """User + system seconds ``pid`` has used so far (0.0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return 0.0
    rest = stat[stat.rfind(b")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def s3_server(port: int, delay_ms: int) -> Iterator[subprocess.Popen[str]]:
    """bench/s3server.py on ``port``, running until the block ends."""
    server = subprocess.Popen(
        [sys.executable, str(HERE / "s3server.py"), str(port), str(delay_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"bench/s3server.py did not start (exit {server.poll()})")
        yield server
    finally:
        with suppress(OSError):
            assert server.stdin is not None
            server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def bench_publish(bench: Bench, n: int) -> None:
    """Publish a built N-entry publication to moto's S3 server: first, unchanged, 1% changed."""
    root = bench.work / f"pub-{n}"
    if not (root / "public").is_dir():
        entries = generate.generate(root, n)
        if not bench.step(f"build for publish (N={n:,})", lambda: build(root)):
            return
    else:
        entries = generate.make_entries(n)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with s3_server(port, PUBLISH_DELAY_MS) as server:
        publish_rows(bench, n, root, entries, endpoint, server.pid)


def publish_rows(
    bench: Bench,
    n: int,
    root: Path,
    entries: Sequence[generate.EntryData],
    endpoint: str,
    server_pid: int,
) -> None:
    """The publish figures against the S3 server at ``endpoint`` (process ``server_pid``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        NO_PROXY="127.0.0.1,localhost",
    )
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="bench")
    first_runs = 1 if bench.quick or n > 1000 else 3
    names = [f"first{i}" for i in range(first_runs)]
    if not bench.quick:  # the one-at-a-time baseline: a minute at 10,000 files
        names.append("serial0")
    targets = "".join(
        f"  {name}:\n    url: s3://bench/{name}\n    endpoint_url: {endpoint}\n    region: us-east-1\n"
        for name in names
    )
    settings = root / "feedpub.yaml"
    settings.write_text(generate.settings_yaml(f"targets:\n{targets}"), encoding="utf-8")
    files = sum(1 for p in (root / "public").rglob("*") if p.is_file())

    def publish(target: str, *options: str) -> list[str]:
        return [*FEEDPUB, "publish", "--root", str(root), *options, target]

    server_cpu = [0.0]

    def mark(_index: int) -> None:
        server_cpu[0] = process_cpu(server_pid)

    def record(_index: int, sample: Sample) -> None:
        found = PUBLISH_LINE.search(sample.stdout)
        figure = bench.figures[-1]
        figure.extra.setdefault("uploaded", []).append(int(found.group(2)) if found else None)
        figure.extra.setdefault("lines", []).append(
            found.group(0) if found else sample.stdout.strip()[-200:]
        )
        figure.extra.setdefault("client_cpu", []).append(sample.cpu)
        figure.extra.setdefault("server_cpu", []).append(process_cpu(server_pid) - server_cpu[0])

    first = bench.measure(
        "publish_first",
        f"Publish {files:,} files to S3 (moto, {PUBLISH_DELAY_MS} ms a request), first time "
        "(--jobs 8, the default)",
        n,
        lambda i: publish(f"first{i}"),
        runs=first_runs,
        env=env,
        before=mark,
        after=record,
    )
    if not first.ok:
        return
    if "serial0" in names:
        bench.measure(
            "publish_first_serial",
            f"Publish {files:,} files to S3 (moto, {PUBLISH_DELAY_MS} ms a request), first "
            "time, one at a time (--jobs 1)",
            n,
            lambda i: publish("serial0", "--jobs", "1"),
            runs=1,
            env=env,
            before=mark,
            after=record,
        )
    runs = bench.runs(n)
    bench.measure(
        "publish_none",
        "Publish again, nothing changed",
        n,
        lambda i: publish("first0"),
        runs=runs,
        env=env,
        before=mark,
        after=record,
    )
    step = max(1, n // 100)

    def touch(index: int) -> None:
        for entry in entries[index * step : (index + 1) * step]:
            edit_entry(root, entry, f"Corrected {index}.")
        run_once(build_cmd(root))
        mark(index)

    bench.measure(
        "publish_changed",
        f"Publish after 1% of entries ({step:,}) changed",
        n,
        lambda i: publish("first0"),
        runs=runs,
        env=env,
        before=touch,
        after=record,
    )
    publish_cpu_note(bench, files)


def publish_cpu_note(bench: Bench, files: int) -> None:
    """What the CPU alone allows: the bound on parallel uploads when requests wait for nothing."""
    first = bench.latest("publish_first")
    if first is None or not first.extra.get("server_cpu"):
        return
    client = statistics.median(first.extra["client_cpu"]) / files * 1000
    server = statistics.median(first.extra["server_cpu"]) / files * 1000
    cores = os.cpu_count() or 1
    floor = max(server, (client + server) / cores)  # the server is one process: ≤ 1 core
    bench.notes.append(
        f"publish: CPU a file in the first publish: {client:.1f} ms in feedpub (botocore's "
        f"request building and signing), {server:.1f} ms in the moto server (one Python "
        f"process: at most one core). On {cores} cores uploads at once cannot take less than "
        f"{floor:.1f} ms a file, one at a time no less than {client + server:.1f} ms: without "
        f"the {PUBLISH_DELAY_MS} ms a request stands for, the parallel publish could not go below "
        f"{floor / (client + server):.2f}× the one-at-a-time one on this machine"
    )


# --- the report ----------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ratio(a: Figure, b: Figure | None) -> str:
    if b is None or not b.ok or not a.ok or b is a:
        return "—"
    return f"{a.median / b.median:.2f}×"


def evaluate(bench: Bench, sizes: Sequence[int]) -> None:
    """Turn the figures into checks against the issue's targets."""
    big = max(n for n in sizes if n <= 10_000)
    cold = bench.find("cold", big)
    obvious, obvious_c = bench.find("obvious", big), bench.find("obvious_c", big)
    hugo_fig, floor = bench.find("hugo", big), bench.find("floor", big)

    def limit(
        name: str, figure: Figure | None, base: Figure | None, factor: float, what: str
    ) -> None:
        if figure is None or base is None:
            missing = "not measured" + (" (no hugo, or --quick)" if what == "Hugo" else "")
            bench.checks.append(Check(name, missing, None, "cold"))
            return
        value = figure.median / base.median
        bench.checks.append(
            Check(
                name,
                f"{value:.2f}× {what} ({seconds(figure.median)} vs {seconds(base.median)})",
                value <= factor,
                figure.key,
            )
        )

    tag = f"N={big:,}"
    limit(f"Cold build ≤ 0.1× obvious script ({tag})", cold, obvious, 0.1, "obvious")
    limit(f"Cold build ≤ 0.5× Hugo ({tag})", cold, hugo_fig, 0.5, "Hugo")
    limit(f"Cold build ≤ 1.5× floor ({tag})", cold, floor, 1.5, "floor")
    limit(f"Stretch: cold build ≤ 0.25× Hugo ({tag})", cold, hugo_fig, 0.25, "Hugo")
    if cold and obvious:
        bench.checks.append(
            Check(
                f"Cold build peak memory ≤ obvious script's ({tag})",
                f"{cold.rss / MiB:.0f} MiB vs {obvious.rss / MiB:.0f} MiB",
                cold.rss <= obvious.rss,
                "cold",
            )
        )
    del obvious_c
    for n in sizes:
        base = bench.find("cold", n)
        for key, share in (
            ("rebuild_none", 0.05),
            ("rebuild_changed", 0.10),
            ("rebuild_added", 0.10),
            ("failing", 0.10),
        ):
            figure = bench.find(key, n)
            if figure is None or base is None:
                continue
            value = figure.median / base.median
            bench.checks.append(
                Check(
                    f"{figure.label} ≤ {share:.0%} of cold build (N={n:,})",
                    f"{value:.1%} ({seconds(figure.median)})",
                    value <= share,
                    key,
                )
            )
    for n in sizes:
        base = bench.find("cold", n)
        for key, what in (
            ("write_floor", "writing the output's files alone"),
            (
                "link_floor",
                "hard-linking them into a new folder alone (an unchanged rebuild's least)",
            ),
        ):
            figure = bench.find(key, n)
            if figure is not None and base is not None:
                bench.checks.append(
                    Check(
                        f"Floor: {what} (N={n:,}; no target: reported)",
                        f"{seconds(figure.median)} = {figure.median / base.median:.1%} of the "
                        "cold build",
                        None,
                        key,
                    )
                )
    for n in sizes:
        base, searched = bench.find("cold", n), bench.find("cold_search", n)
        if base is not None and searched is not None:
            extra = searched.median - base.median
            searched.note = (
                f"{searched.median / base.median:.2f}× the cold build without search "
                f"({'+' if extra >= 0 else '−'}{seconds(abs(extra))})"
            )
            bench.checks.append(
                Check(
                    f"Extra build time of `search: true` (N={n:,}; no target: reported)",
                    searched.note,
                    None,
                    "cold_search",
                )
            )
    large = bench.find("cold", 100_000)
    if large is not None:
        bench.checks.append(
            Check(
                "Cold build peak memory ≤ 1.5 GiB (N=100,000)",
                f"{large.rss / GiB:.2f} GiB",
                large.rss <= 1.5 * GiB,
                "cold",
            )
        )
        if cold is not None:
            growth = (large.median / 100_000) / (cold.median / big)
            bench.checks.append(
                Check(
                    f"Cold build time per entry at 100,000 ≤ 1.2× at {big:,}",
                    f"{growth:.2f}× per entry ({seconds(large.median)} vs {seconds(cold.median)})",
                    growth <= 1.2,
                    "cold",
                )
            )
    validate = bench.find("validate", big)
    if validate is not None and cold is not None:
        bench.checks.append(
            Check(
                f"Validate {big:,} items < cold build",
                f"{'> ' if validate.timed_out else ''}{seconds(validate.median)} vs "
                f"{seconds(cold.median)}",
                validate.median < cold.median and not validate.timed_out,
                "validate",
            )
        )
    pull, sequential, repull = (
        bench.latest("pull"),
        bench.latest("pull_sequential"),
        bench.latest("repull"),
    )
    if pull is not None and sequential is not None:
        value = pull.median / sequential.median
        bench.checks.append(
            Check(
                "Pull ≤ 1/5 of sequential",
                f"{value:.2f}× ({seconds(pull.median)} vs {seconds(sequential.median)})",
                value <= 0.2,
                "pull",
            )
        )
    if repull is not None:
        bodies = max(repull.extra.get("bodies", [0]))
        bench.checks.append(
            Check(
                "Re-pull (all 304) transfers no bodies",
                f"{bodies} bodies, {max(repull.extra.get('not_modified', [0]))} × 304",
                bodies == 0,
                "repull",
            )
        )
    first, none = bench.latest("publish_first"), bench.latest("publish_none")
    serial = bench.latest("publish_first_serial")
    if first is not None and serial is not None:
        value = first.median / serial.median
        bench.checks.append(
            Check(
                "First publish in parallel ≤ 0.25× one at a time",
                f"{value:.2f}× ({seconds(first.median)} vs {seconds(serial.median)})",
                value <= 0.25,
                "publish_first",
            )
        )
    elif first is not None:
        bench.checks.append(
            Check(
                "First publish in parallel ≤ 0.25× one at a time",
                "not measured (--quick)",
                None,
                "publish_first",
            )
        )
    if first is not None and none is not None:
        uploads = [u for u in none.extra.get("uploaded", []) if u is not None]
        value = none.median / first.median
        bench.checks.append(
            Check(
                "Publish, nothing changed: zero uploads",
                f"{max(uploads) if uploads else '?'} uploaded",
                bool(uploads) and max(uploads) == 0,
                "publish_none",
            )
        )
        bench.checks.append(
            Check(
                "Publish, nothing changed: ≤ 5% of first publish",
                f"{value:.1%} ({seconds(none.median)} vs {seconds(first.median)})",
                value <= 0.05,
                "publish_none",
            )
        )


def figure_note(figure: Figure) -> str:
    extra = figure.extra
    if "uploaded" in extra:
        lines = "; ".join(dict.fromkeys(str(line) for line in extra["lines"]))
        if extra.get("server_cpu"):
            lines += (
                f" — CPU: feedpub {statistics.median(extra['client_cpu']):.1f} s, "
                f"S3 server {statistics.median(extra['server_cpu']):.1f} s"
            )
        return lines
    if "summaries" in extra:
        bodies = extra.get("bodies", [])
        return (
            f"{'; '.join(dict.fromkeys(extra['summaries']))} — server sent "
            f"{max(bodies) if bodies else 0} bodies, {max(extra.get('not_modified', [0]))} × 304"
        )
    return figure.note


def render(bench: Bench, sizes: Sequence[int], machine: list[str], elapsed: float) -> str:
    out = ["# feedpub benchmark" + (" (quick)" if bench.quick else ""), ""]
    out.append(
        f"Written by `{'make bench-quick' if bench.quick else 'make bench'}` "
        f"(`bench/run.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed:.0f} s. "
        "Only ratios within this one run mean anything: machines are noisy."
    )
    out += ["", "## Machine", ""]
    out += [f"- {line}" for line in machine]
    out += [
        "",
        "## Figures",
        "",
        "Median of the runs (5 at N = 1,000, 3 at 10,000, 1 at 100,000; 1 with `--quick`). "
        "Peak memory: the largest of the runs, whole process tree (PSS: shared pages count once). Ratios compare medians at the "
        "same N.",
        "",
        "| Figure | N | runs | median | min–max | peak memory | vs obvious | vs obvious (C) | vs Hugo "
        "| vs floor | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for figure in bench.figures:
        if not figure.ok:
            out.append(
                f"| {figure.label} | {figure.n:,} | — | **failed** | | | | | | | "
                f"{(figure.error or '').splitlines()[0][:160].replace('|', '/')} |"
            )
            continue
        ratios = ["—"] * 4
        if figure.key in (
            "cold",
            "obvious",
            "obvious_c",
            "hugo",
            "floor",
            "yaml_rs",
            "archive_build",
        ):
            ratios = [
                ratio(figure, bench.find(k, figure.n))
                for k in ("obvious", "obvious_c", "hugo", "floor")
            ]
        note = figure_note(figure).replace("|", "/")
        out.append(
            f"| {figure.label} | {figure.n:,} | {len(figure.samples)} "
            f"| {'> ' if figure.timed_out else ''}{seconds(figure.median)} "
            f"| {seconds(figure.low)}–{seconds(figure.high)} | {figure.rss / MiB:,.0f} MiB "
            f"| {' | '.join(ratios)} | {note} |"
        )
    out += ["", "## Targets", "", "| Target | Measured | Met? |", "|---|---|---|"]
    for check in bench.checks:
        met = "n/a" if check.met is None else ("yes" if check.met else "**no**")
        out.append(f"| {check.target} | {check.measured.replace('|', '/')} | {met} |")
    if bench.notes:
        out += ["", "## Notes", ""] + [f"- {note}" for note in dict.fromkeys(bench.notes)]
    if bench.failures:
        out += ["", "## Failed to run", ""]
        out += [f"- {line.splitlines()[0][:400]}" for line in bench.failures]
    out += [
        "",
        "## What is measured",
        "",
        "- Every command runs feedpub as installed, its modules compiled to bytecode first "
        "(`python -m compileall`), as pip does on install.",
        "- Cold build: `feedpub -q build --now 2030-01-01T00:00:00Z` after deleting `public/` and "
        "`.feedpub*/` (the parse cache). It writes RSS, Atom and JSON Feed for three feeds "
        "(all, limit 50; two by tag), an HTML page per entry and index pages, and validates the "
        "feeds. Entries: ~3 KB of YAML each, generated by `bench/generate.py` (seeded).",
        "- Obvious script (`bench/obvious.py`): `yaml.safe_load` per file (`--c-loader`: "
        "`yaml.CSafeLoader`), one feedgen FeedGenerator with every entry and full content, "
        "RSS and Atom written. Floor (`bench/floor.py`): the C loader alone, one process.",
        "- Write and link floors (`bench/writefloor.py`): the files of the last cold build's "
        "output, read into memory, then written with plain `os` calls into a new folder (or "
        "hard-linked there, `--link`), folders made as needed; the disk's cost of creating that "
        "many files and folders, which any build pays.",
        "- Hugo (`bench/hugo.py`): the same entries as Markdown posts; a page per post, home RSS and "
        "Atom of every post with full content, HTML tag pages. Cold: `public/` and caches deleted.",
        "- Cold build with `search: true`: the same cold build with `search: true` added to "
        "feedpub.yaml, so it also runs Pagefind over the entry pages and writes its index "
        "(not in `--quick`).",
        "- Rebuilds follow a complete build: nothing changed; one entry's lead edited (a different "
        "entry each run); one new entry added each run. Broken entry: a new entry with a YAML "
        "syntax error added to the built publication; the build must exit 2 naming its line.",
        "- Validate: `feedpub validate` over a build whose `all` feed holds every entry.",
        "- Pull: `feedpub pull --all` of distinct URLs spread over loopback hosts 127.0.0.1–8, "
        "each answered after 50 ms (ETag; 304 to a matching If-None-Match); the sequential "
        "baseline is the same pull with `--workers 1`. Bodies counted by the server.",
        "- Publish: `feedpub publish` of the build output to moto's S3 server on loopback "
        "(`bench/s3server.py`, a process of its own), where every request waits "
        f"{PUBLISH_DELAY_MS} ms first, the round trip to a nearby region: on loopback a request "
        "costs only CPU, and parallel uploads are there to overlap the waits. Uploads read from "
        "the summary line; CPU time of feedpub (wait4) and of the server (/proc) per run. The "
        "first publish runs with the default --jobs 8 and, outside --quick, once more one file at "
        "a time (--jobs 1) to another prefix of the same server. 1% changed: that many entries "
        "edited and rebuilt (untimed) before each publish.",
        "",
    ]
    return "\n".join(out)


def machine_description() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    git = (
        subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        or "unknown"
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    import yaml

    return [
        f"CPU: {cpu}, {os.cpu_count()} cores; memory {memory}",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()}; PyYAML {yaml.__version__} "
        f"(libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'})",
        f"feedpub commit {git}{' with uncommitted changes in src/' if dirty else ''}",
        f"Hugo: {hugo.hugo_version() or 'not installed'}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N = 1,000 once, no Hugo; bench/results-quick.md"
    )
    parser.add_argument("--large", action="store_true", help="also N = 100,000 (or BENCH_LARGE=1)")
    parser.add_argument("--output", type=Path, help="where to write the Markdown report")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (its path is printed)"
    )
    args = parser.parse_args(argv)
    large = args.large or os.environ.get("BENCH_LARGE") == "1"
    quick = args.quick
    sizes = [1000] if quick else [1000, 10_000] + ([100_000] if large else [])
    output = args.output or HERE / ("results-quick.md" if quick else "results.md")
    work = Path(tempfile.mkdtemp(prefix="feedpub-bench-"))
    bench = Bench(quick=quick, large=large and not quick, work=work)
    with_hugo = not quick and hugo.hugo_version() is not None
    if not quick and not with_hugo:
        bench.notes.append("hugo is not installed: the Hugo baseline was skipped")
    # An installed package comes with its bytecode (pip compiles it); an editable install run
    # under PYTHONDONTWRITEBYTECODE=1 would compile every module on every timed run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(SOURCE)], check=True)
    started = time.perf_counter()
    machine = machine_description()  # the commit measured is the one at the start
    try:
        for n in sizes:
            bench_size(bench, n, with_hugo=with_hugo and n <= 10_000)
        # --quick: a small archive, since validating every item is the slow part of a quick run
        bench_validate(bench, 250 if quick else max(n for n in sizes if n <= 10_000))
        print("pull ...", file=sys.stderr)
        bench_pull(bench, 50 if quick else 1000)
        print("publish ...", file=sys.stderr)
        bench_publish(bench, 1000 if quick else 10_000)
    except Exception as exc:
        bench.failures.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        print(traceback.format_exc(), file=sys.stderr)
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    evaluate(bench, [n for n in sizes if n <= 10_000])
    if machine_description() != machine:
        bench.notes.append(
            "feedpub's checkout changed during this run (others work in it): figures measured "
            "before and after the change are mixed"
        )
    report = render(bench, sizes, machine, time.perf_counter() - started)
    output.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {output}", file=sys.stderr)
    return 1 if bench.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
