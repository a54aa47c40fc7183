"""httprun's benchmark: start-up, 1,000 sequential GETs, parsing, parallel files, httpyac.

Run ``.venv/bin/python bench/run.py`` (or ``make bench``); ``--quick`` runs every figure on tiny
inputs (for the smoke test). Everything is measured in this one run, against a local HTTP/1.1
keep-alive server (``bench/server.py``) in its own process, and printed as a Markdown table
with the machine and the date. bench/README.md says what each figure and target means.

httpyac (node) is optional: it is looked for at ``--httpyac PATH``, then in
``/tmp/httpyac-bench`` (``npm install --prefix /tmp/httpyac-bench httpyac``), then on PATH.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# Run as a script, this file's folder is sys.path[0]: its sibling modules import directly.
import measure
import server
import workloads
from measure import MeasureFailed, Timings

STARTUP_TARGET_S = 0.15
GETS_RATIO_TARGET = 1.3
PARSE_TARGET_S = 1.0
PARALLEL_JOBS = 8
DEFAULT_HTTPYAC = Path("/tmp/httpyac-bench/node_modules/.bin/httpyac")
HTTPYAC_MISSING = "httpyac: not installed (npm install -g httpyac to compare)"

# The baseline "plain Python" run as its own script, to compare with the CLI start to finish.
HTTPX_SCRIPT = """\
import sys
import httpx
url, count = sys.argv[1], int(sys.argv[2])
with httpx.Client() as client:
    for _ in range(count):
        if client.get(url).status_code != 200:
            sys.exit("status was not 200")
"""


@dataclass(frozen=True)
class Sizes:
    startup_runs: int
    gets: int
    parse_requests: int
    split_files: int
    split_per_file: int
    repeat: int  # timed repetitions of the parsing and parallel figures (httpyac: one run)
    repeat_gets: int  # timed repetitions of the 1,000 GETs: the headline, so more of them
    repeat_parallel: int  # timed repetitions of the parallel files (each run takes seconds)


FULL = Sizes(
    startup_runs=20,
    gets=1000,
    parse_requests=10_000,
    split_files=10,
    split_per_file=100,
    repeat=3,
    repeat_gets=5,
    repeat_parallel=2,
)
QUICK = Sizes(
    startup_runs=3,
    gets=20,
    parse_requests=200,
    split_files=2,
    split_per_file=10,
    repeat=1,
    repeat_gets=1,
    repeat_parallel=1,
)


class Report:
    """Prints the Markdown table row by row as figures come in, then notes and the headline."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed = False
        self.headlines: list[str] = []

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def table_start(self) -> None:
        self.line("| # | measurement | best | median | runs | notes |")
        self.line("|---|---|---:|---:|---:|---|")

    def row(self, section: str, what: str, timings: Timings, note: str = "") -> None:
        self.line(
            f"| {section} | {what} | {_secs(timings.best)} | {_secs(timings.median)} "
            f"| {timings.runs} | {note} |"
        )

    def missing(self, section: str, what: str, why: str) -> None:
        self.line(f"| {section} | {what} | - | - | 0 | {why} |")

    def failure(self, section: str, what: str, error: MeasureFailed) -> None:
        self.failed = True
        self.line(f"| {section} | {what} | - | - | 0 | FAILED: {error} |")


@dataclass
class Bench:
    """What every section shares: sizes, where things are, the server, the report."""

    sizes: Sizes
    report: Report
    base: str  # the bench server's base URL
    work: Path  # a temporary folder for generated files
    httprun: str  # the console script
    httpyac: str | None
    delay_ms: int
    env: dict[str, str]  # for every command run: see measure.python_env
    quick: bool
    # httprun's best CLI times by workload ("gets", "split -j 1", ...), for httpyac's ratios.
    httprun_best: dict[str, float] = field(default_factory=dict)

    def verdict(self, met: bool) -> str:
        """Whether a size-bound target is met; with --quick the sizes are not the target's."""
        return "n/a with --quick" if self.quick else _verdict(met)

    def command(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        expect: Callable[[str], str | None] | None = None,
    ) -> float:
        return measure.run_command(argv, cwd=cwd, env=self.env, expect=expect)

    def repeat(
        self, actions: Sequence[Callable[[], float]], times: int | None = None
    ) -> list[Timings]:
        """Time each action ``times`` times (default ``sizes.repeat``), interleaved so that
        drift and other work on the machine hit all of them alike."""
        timings = [Timings() for _ in actions]
        for _ in range(times or self.sizes.repeat):
            for action, timing in zip(actions, timings, strict=True):
                timing.seconds.append(action())
        return timings


# ---- 1. start-up ------------------------------------------------------------------------------


def bench_startup(bench: Bench) -> None:
    python = [sys.executable, "-c", "pass"]
    version = [bench.httprun, "--version"]
    expect = _expect_in("httprun ", "--version")
    one_get = workloads.write_gets(bench.work / "one.http", 1, "httprun")
    run_one = [bench.httprun, str(one_get), "--var", f"base={bench.base}"]
    expect_one = _expect_match(r"\b1 passed, 0 failed", "httprun's closing line")
    try:
        bench.command(python)  # untimed: fills the bytecode cache
        bench.command(version, expect=expect)
        bench.command(run_one, expect=expect_one)
        bare, ours = bench.repeat(
            [lambda: bench.command(python), lambda: bench.command(version, expect=expect)],
            bench.sizes.startup_runs,
        )
        (first,) = bench.repeat(
            [lambda: bench.command(run_one, expect=expect_one)], bench.sizes.repeat_gets
        )
    except MeasureFailed as error:
        bench.report.failure("1", "start-up", error)
        return
    bench.report.row("1", "start-up: `python -c pass`", bare, "the floor: the interpreter alone")
    verdict = _verdict(ours.median <= STARTUP_TARGET_S)
    extra = (ours.median - bare.median) * 1000
    bench.report.row(
        "1",
        "start-up: `httprun --version`",
        ours,
        f"target ≤ {STARTUP_TARGET_S} s (median): {verdict}; +{extra:.0f} ms over python",
    )
    bench.report.row(
        "1",
        "start-up: `httprun FILE` with 1 GET",
        first,
        "what every run pays before its requests: the CLI's imports (typer, httpx, lark...)",
    )
    bench.report.headlines.append(
        f"start-up: `httprun --version` {_secs(ours.median)} median "
        f"(python alone {_secs(bare.median)}; target ≤ {STARTUP_TARGET_S} s: {verdict}); "
        f"`httprun FILE` with one GET {_secs(first.best)} best"
    )


# ---- 2. sequential GETs -----------------------------------------------------------------------


def bench_gets(bench: Bench) -> None:
    import httpx

    from runner.results import Outcome
    from runner.run import RunOptions, run_files

    count = bench.sizes.gets
    label = f"{count:,} GETs"
    path = workloads.write_gets(bench.work / "gets.http", count, "httprun")
    url = f"{bench.base}/ok"
    options = RunOptions(variables={"base": bench.base})

    def httpx_loop() -> None:
        with httpx.Client() as client:
            for _ in range(count):
                if client.get(url).status_code != 200:
                    raise MeasureFailed("the server answered other than 200")

    def in_process() -> None:
        result = run_files([str(path)], options)
        passed = result.count(Outcome.PASSED)
        if result.exit_code != 0 or passed != count:
            raise MeasureFailed(f"run_files passed {passed} of {count} (exit {result.exit_code})")

    script = [sys.executable, "-c", HTTPX_SCRIPT, url, str(count)]
    cli = [bench.httprun, str(path), "--var", f"base={bench.base}"]
    expect_cli = _expect_match(rf"\b{count} passed, 0 failed", "httprun's closing line")
    try:
        # One untimed round: imports, the parser's grammar, the first connection, the
        # commands' bytecode cache.
        httpx_loop()
        in_process()
        bench.command(script)
        bench.command(cli, expect=expect_cli)
        loop, inproc, scripted, command = bench.repeat(
            [
                lambda: measure.time_call(httpx_loop),
                lambda: measure.time_call(in_process),
                lambda: bench.command(script),
                lambda: bench.command(cli, expect=expect_cli),
            ],
            bench.sizes.repeat_gets,
        )
    except MeasureFailed as error:
        bench.report.failure("2", label, error)
        return
    report = bench.report
    report.row("2", f"{label}: plain `httpx.Client` loop, in-process", loop, "the baseline")
    report.row(
        "2",
        f"{label}: httpx loop as a script (`python -c`)",
        scripted,
        "with interpreter start-up and `import httpx`",
    )
    report.row(
        "2",
        f"{label}: httprun `run_files()`, in-process",
        inproc,
        f"×{inproc.best / loop.best:.2f} the httpx loop (best/best): "
        f"{(inproc.best - loop.best) / count * 1000:+.2f} ms a request",
    )
    bench.httprun_best["gets"] = command.best
    # The target ratio is against the script: both are processes that start Python. The
    # in-process loop pays no interpreter start-up at all, which no command can match.
    ratio = command.best / scripted.best
    in_process_ratio = command.best / loop.best
    verdict = bench.verdict(ratio <= GETS_RATIO_TARGET)
    report.row(
        "2",
        f"**{label}: `httprun FILE` (CLI)**",
        command,
        f"**×{ratio:.2f} the httpx script** (median ×{command.median / scripted.median:.2f};"
        f" target ≤ {GETS_RATIO_TARGET}×: {verdict}); ×{in_process_ratio:.2f} the in-process"
        " httpx loop",
    )
    report.headlines.append(
        f"{label}, each checked: `httprun` CLI {_secs(command.best)} best, ×{ratio:.2f} the "
        f"same httpx.Client loop run as a script ({_secs(scripted.best)}; target ≤ "
        f"{GETS_RATIO_TARGET}×: {verdict}); ×{in_process_ratio:.2f} the loop in-process"
        f" ({_secs(loop.best)}, no interpreter start-up)"
    )


# ---- 3. parsing -------------------------------------------------------------------------------


def bench_parse(bench: Bench) -> None:
    from runner.parser import parse_text

    count = bench.sizes.parse_requests
    text = workloads.parse_workload(count)
    label = f"parse_text: {count:,} requests"

    def parse() -> None:
        parsed = parse_text(text, "bench.http")
        if len(parsed.requests) != count:
            raise MeasureFailed(f"parse_text found {len(parsed.requests)} of {count} requests")

    try:
        parse_text("GET http://127.0.0.1/\n")  # builds the grammar's parser once, untimed
        (timings,) = bench.repeat([lambda: measure.time_call(parse)])
    except MeasureFailed as error:
        bench.report.failure("3", label, error)
        return
    size = f"{text.count(chr(10)):,} lines, {len(text.encode()) / 1e6:.1f} MB"
    verdict = bench.verdict(timings.best < PARSE_TARGET_S)
    bench.report.row(
        "3", label, timings, f"{size}; target < {PARSE_TARGET_S:.0f} s (best): {verdict}"
    )
    bench.report.headlines.append(
        f"{label}: {_secs(timings.best)} best (target < {PARSE_TARGET_S:.0f} s: {verdict})"
    )


# ---- 4. parallel files ------------------------------------------------------------------------


def has_jobs_option(httprun: str) -> bool:
    """Whether this httprun has ``--jobs`` (``httprun run --help`` mentions it)."""
    help_text = measure.command_output([httprun, "run", "--help"])
    return help_text is not None and "--jobs" in help_text


def bench_parallel(bench: Bench) -> None:
    sizes = bench.sizes
    requests = sizes.split_files * sizes.split_per_file
    label = (
        f"{sizes.split_files} files × {sizes.split_per_file} GETs, server waits {bench.delay_ms} ms"
    )
    if not has_jobs_option(bench.httprun):
        bench.report.missing("4", label, "httprun has no --jobs option yet: skipped")
        return
    folder = bench.work / "split-httprun"
    workloads.write_split(
        folder, sizes.split_files, sizes.split_per_file, "httprun", delay_ms=bench.delay_ms
    )
    expect = _expect_match(rf"\b{requests} passed, 0 failed", "httprun's closing line")
    url = f"{bench.base}/ok?delay_ms={bench.delay_ms}"

    def cli(jobs: int) -> Callable[[], float]:
        argv = [bench.httprun, str(folder), "-j", str(jobs), "--var", f"base={bench.base}"]
        return lambda: bench.command(argv, expect=expect)

    def httpx_loop() -> float:
        import httpx

        started = time.perf_counter()
        with httpx.Client() as client:
            for _ in range(requests):
                if client.get(url).status_code != 200:
                    raise MeasureFailed("the server answered other than 200")
        return time.perf_counter() - started

    try:
        floor, one, many = bench.repeat(
            [httpx_loop, cli(1), cli(PARALLEL_JOBS)], bench.sizes.repeat_parallel
        )
    except MeasureFailed as error:
        bench.report.failure("4", label, error)
        return
    bench.httprun_best["split sequential"] = one.best
    bench.httprun_best["split parallel"] = many.best
    wait = _server_wait(bench, PARALLEL_JOBS)
    bench.report.row(
        "4",
        f"{label}: plain `httpx.Client` loop, in-process",
        floor,
        f"the sequential baseline; the server's waits alone: {_secs(wait[0])}",
    )
    bench.report.row(
        "4",
        f"{label}: `httprun -j 1`",
        one,
        f"×{one.best / floor.best:.2f} the httpx loop",
    )
    speedup = one.best / many.best
    bench.report.row(
        "4",
        f"{label}: `httprun -j {PARALLEL_JOBS}`",
        many,
        f"speed-up ×{speedup:.2f} over -j 1; the server's waits alone: {_secs(wait[1])}",
    )
    bench.report.headlines.append(
        f"{label}: `-j {PARALLEL_JOBS}` {_secs(many.best)} vs `-j 1` {_secs(one.best)} "
        f"(×{speedup:.2f})"
    )


def _server_wait(bench: Bench, jobs: int) -> tuple[float, float]:
    """The least time the server's delays alone take: sequentially, and with ``jobs`` files at once
    (whole files run in waves of ``jobs``)."""
    per_file = bench.sizes.split_per_file * bench.delay_ms / 1000
    waves = -(-bench.sizes.split_files // jobs)
    return per_file * bench.sizes.split_files, per_file * waves


# ---- 5. httpyac -------------------------------------------------------------------------------


def find_httpyac(given: str | None) -> str | None:
    """The httpyac command to compare with, or None (the harness never needs node)."""
    if shutil.which("node") is None:
        return None
    if given:  # a path, or a command name on PATH
        return given if Path(given).is_file() else shutil.which(given)
    return str(DEFAULT_HTTPYAC) if DEFAULT_HTTPYAC.is_file() else shutil.which("httpyac")


def bench_httpyac(bench: Bench) -> None:
    """The same 1,000 GETs and 10×100 files through httpyac, one run each (it is slow)."""
    if bench.httpyac is None:
        bench.report.missing("5", "httpyac", HTTPYAC_MISSING)
        return
    sizes = bench.sizes
    # httpyac refuses files outside its working directory: run it in a folder of its own, on
    # relative paths.
    home = bench.work / "httpyac"
    gets = workloads.write_gets(home / "gets.http", sizes.gets, "httpyac").relative_to(home)
    parts = [
        part.relative_to(home)
        for part in workloads.write_split(
            home / "split",
            sizes.split_files,
            sizes.split_per_file,
            "httpyac",
            delay_ms=bench.delay_ms,
        )
    ]
    # -o short: one short block per request, close to httprun's default output.
    common = ["--all", "--var", f"base={bench.base}", "-o", "short"]
    split_label = f"{sizes.split_files} files × {sizes.split_per_file} GETs"
    split_count = sizes.split_files * sizes.split_per_file
    parallel = ["--parallel", str(PARALLEL_JOBS)]
    runs = [
        (f"{sizes.gets:,} GETs: `httpyac send --all`", [str(gets)], sizes.gets, "gets"),
        (
            f"{split_label}: `httpyac send --all`",
            list(map(str, parts)),
            split_count,
            "split sequential",
        ),
        (
            f"{split_label}: `httpyac send --all --parallel {PARALLEL_JOBS}`",
            [*map(str, parts), *parallel],
            split_count,
            "split parallel",
        ),
    ]
    for label, args, count, workload in runs:
        argv = [bench.httpyac, "send", *args, *common]
        try:
            timings = Timings([bench.command(argv, cwd=home, expect=_expect_httpyac(count))])
        except MeasureFailed as error:
            bench.report.failure("5", label, error)
            continue
        ours = bench.httprun_best.get(workload)
        versus = f"; ×{timings.best / ours:.2f} httprun's CLI time" if ours else ""
        bench.report.row("5", label, timings, f"one run{versus}")


def _expect_httpyac(count: int) -> Callable[[str], str | None]:
    def check(out: str) -> str | None:
        found = re.search(r"(\d+) requests processed \((\d+) succeeded", out)
        if found is None or found.group(1) != str(count) or found.group(2) != str(count):
            summary = found.group(0) if found else "no summary line"
            return f"httpyac did not pass all {count} requests: {summary}"
        return None

    return check


# ---- the run ----------------------------------------------------------------------------------


def _secs(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _expect_in(text: str, what: str) -> Callable[[str], str | None]:
    return lambda out: None if text in out else f"{what} printed no '{text.strip()}'"


def _expect_match(pattern: str, what: str) -> Callable[[str], str | None]:
    def check(out: str) -> str | None:
        if re.search(pattern, out):
            return None
        tail = out.strip().splitlines()[-1] if out.strip() else "nothing"
        return f"{what} was not '{pattern}': {tail}"

    return check


def find_httprun() -> str | None:
    # The console script beside this interpreter (the venv's), else the one on PATH.
    beside = Path(sys.executable).parent / "httprun"
    return str(beside) if beside.is_file() else shutil.which("httprun")


def describe(report: Report, bench: Bench, sizes_name: str, httpyac_absent: str) -> None:
    import httpx

    import runner

    machine = measure.this_machine()
    usable = f", {machine.usable_cores} usable" if machine.usable_cores else ""
    report.line(f"# httprun benchmark ({sizes_name})")
    report.line()
    report.line(f"- date: {machine.date}")
    report.line(f"- machine: {machine.cpu}, {machine.cores} cores{usable}; {machine.system}")
    report.line(f"- load average at the start (1, 5, 15 min): {machine.load}")
    report.line(
        f"- python: {machine.python}; httprun {runner.__version__}; httpx {httpx.__version__}"
    )
    if bench.httpyac is not None:
        version = measure.command_output([bench.httpyac, "--version"]) or "?"
        node = measure.command_output(["node", "--version"]) or "?"
        report.line(f"- httpyac: {version} (node {node})")
    else:
        report.line(f"- {httpyac_absent}")
    report.line(
        "- server: bench/server.py in its own process on 127.0.0.1, HTTP/1.1 keep-alive, "
        '`GET /ok` → `{"ok":true}`'
    )
    report.line(
        "- timed: wall clock, best and median of interleaved runs after one untimed warm-up; "
        "commands' stdout is a pipe; Python bytecode cached"
    )
    report.line()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="httprun's benchmark harness (see bench/README.md)"
    )
    parser.add_argument("--quick", action="store_true", help="every figure on tiny inputs")
    parser.add_argument(
        "--repeat", type=int, help="timed repetitions (default 5 for the GETs, else 3; --quick 1)"
    )
    parser.add_argument(
        "--delay-ms",
        type=int,
        default=5,
        help="server wait per request in the parallel-files case (default 5)",
    )
    parser.add_argument(
        "--httpyac", metavar="PATH", help=f"the httpyac command (default {DEFAULT_HTTPYAC} or PATH)"
    )
    parser.add_argument("--no-httpyac", action="store_true", help="do not run httpyac")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.repeat is not None:
        times = max(1, args.repeat)
        sizes = dataclasses.replace(sizes, repeat=times, repeat_gets=times, repeat_parallel=times)
    report = Report(sys.stdout)
    httprun = find_httprun()
    if httprun is None:
        sys.stderr.write("bench: no httprun console script; install it: pip install -e .\n")
        return 2
    started = time.perf_counter()
    httpyac = None if args.no_httpyac else find_httpyac(args.httpyac)
    with tempfile.TemporaryDirectory(prefix="httprun-bench-") as work, server.running() as base:
        bench = Bench(
            sizes=sizes,
            report=report,
            base=base,
            work=Path(work),
            httprun=httprun,
            httpyac=httpyac,
            delay_ms=max(0, args.delay_ms),
            env=measure.python_env(Path(work) / "pycache"),
            quick=args.quick,
        )
        skipped = "httpyac: skipped (--no-httpyac)"
        describe(
            report,
            bench,
            "quick" if args.quick else "full",
            skipped if args.no_httpyac else HTTPYAC_MISSING,
        )
        report.table_start()
        bench_startup(bench)
        bench_gets(bench)
        bench_parse(bench)
        bench_parallel(bench)
        if args.no_httpyac:
            report.missing("5", "httpyac", skipped)
        else:
            bench_httpyac(bench)
    report.line()
    report.line("Headline:")
    for headline in report.headlines:
        report.line(f"- {headline}")
    report.line()
    report.line(f"Harness time: {time.perf_counter() - started:.0f} s.")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
