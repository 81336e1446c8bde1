"""ibkr bench: run the benchmark suite in benchmarks/ (of a source checkout) and print the ratios
of ibkr against ib_async and the official client (ibapi) where they are installed.

  ibkr bench                 every benchmark, full sizes (minutes)
  ibkr bench --quick         small sizes (seconds): a smoke run, not numbers to quote
  ibkr bench bench_decode    only the named benchmark(s)
  ibkr bench --list          what would run

Each benchmark runs in its own process (``python -m benchmarks.NAME``) from the checkout's root;
progress is shown while it runs. Benchmarks not described here run with their own defaults (plus
--quick when their source mentions it). docs/benchmarks.md has the latest numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ibkr.commands.common import CommandError, Exit, add_json_argument, print_json, table

__all__ = ["add_arguments", "run", "find_benchmarks", "BENCHMARKS"]

#: the libraries compared against, by import name
RIVALS = ("ib_async", "ibapi")


@dataclass(frozen=True, slots=True)
class Spec:
    """How to run one known benchmark: arguments for full and quick runs, and whether it prints
    JSON (``--json``) whose rival figures give ratios."""

    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ("--quick",)
    json: bool = False
    #: result keys of the throughput figures (higher is better), ibkr first
    keys: tuple[str, ...] = field(default=("ibkr", *RIVALS))


BENCHMARKS: dict[str, Spec] = {
    "bench_decode": Spec(
        full=("--messages", "1000000", "--repeat", "3"), quick=("--messages", "30000", "--repeat", "1"), json=True
    ),
    "bench_metrics": Spec(full=(), quick=("300000",)),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all in benchmarks/)")
    p.add_argument("--quick", action="store_true", help="small sizes: seconds instead of minutes")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument("--dir", type=Path, help="the benchmarks directory (default: ./benchmarks or the checkout's)")
    add_json_argument(p)


def _bench_dir(given: Path | None) -> Path:
    candidates = (
        [given]
        if given is not None
        else [Path.cwd() / "benchmarks", Path(__file__).resolve().parents[3] / "benchmarks"]
    )
    for d in candidates:
        if d is not None and (d / "__init__.py").is_file():
            return d.resolve()
    raise CommandError("no benchmarks/ directory found (run from a source checkout of ibkr, or pass --dir)", Exit.USAGE)


def find_benchmarks(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("bench_*.py"))


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _arguments(name: str, directory: Path, quick: bool) -> list[str]:
    spec = BENCHMARKS.get(name)
    if spec is None:
        source = (directory / f"{name}.py").read_text(encoding="utf-8", errors="replace")
        return ["--quick"] if quick and "--quick" in source else []
    args = list(spec.quick if quick else spec.full)
    if spec.json:
        args.append("--json")
        missing = [lib for lib in RIVALS if not _installed(lib)]
        if missing:
            args += ["--skip", *missing]
    return args


def _progress(label: str, done: threading.Event) -> None:
    """A ticking "running ... 12s" line on a terminal's stderr; a start line otherwise."""
    err = sys.stderr
    started = time.monotonic()
    if not err.isatty():
        print(f"{label} ...", file=err, flush=True)
        return
    spinner = "|/-\\"
    i = 0
    while not done.wait(0.2):
        err.write(f"\r{label} {spinner[i % 4]} {time.monotonic() - started:.0f}s\x1b[K")
        err.flush()
        i += 1
    err.write("\r\x1b[K")
    err.flush()


def _run_one(name: str, directory: Path, quick: bool, label: str) -> tuple[int, str, str, float]:
    cmd = [sys.executable, "-m", f"{directory.name}.{name}", *_arguments(name, directory, quick)]
    done = threading.Event()
    ticker = threading.Thread(target=_progress, args=(label, done), daemon=True)
    ticker.start()
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=directory.parent, capture_output=True, text=True, check=False)
    finally:
        done.set()
        ticker.join()
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0


def _ratios(result: dict[str, Any], keys: tuple[str, ...]) -> list[list[Any]]:
    base = result.get(keys[0])
    rows: list[list[Any]] = []
    for key in keys:
        value = result.get(key)
        if not isinstance(value, int | float):
            rows.append([key, "not installed", "-"])
            continue
        ratio = f"{base / value:.2f}x" if isinstance(base, int | float) and value else "-"
        rows.append([key, f"{value:,.0f}", ratio])
    return rows


def _report(name: str, out: str, spec: Spec | None) -> Any:
    """Print one benchmark's result; returns what goes into --json."""
    if spec is None or not spec.json:
        print(out.rstrip())
        return out
    result: dict[str, Any] = json.loads(out)
    print(table(("library", "msg/s", "ibkr is"), _ratios(result, spec.keys)))
    return result


def _main(args: argparse.Namespace) -> int:
    directory = _bench_dir(args.dir)
    available = find_benchmarks(directory)
    names = args.names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        raise CommandError(
            f"no benchmark {', '.join(unknown)} in {directory} (have: {', '.join(available)})", Exit.USAGE
        )
    if args.list:
        for n in available:
            print(n)
        return 0
    show: Callable[[str], None] = (lambda s: None) if args.json else print
    rivals = {lib: _installed(lib) for lib in RIVALS}
    show(f"benchmarks in {directory} ({'quick' if args.quick else 'full'} sizes); "
         + ", ".join(f"{lib} {'installed' if ok else 'not installed'}" for lib, ok in rivals.items()))  # fmt: skip
    results: dict[str, Any] = {}
    failed = []
    for i, name in enumerate(names, 1):
        code, out, err, seconds = _run_one(name, directory, args.quick, f"[{i}/{len(names)}] {name}")
        if code != 0:
            failed.append(name)
            last = (err.strip().splitlines() or ["(no output)"])[-1]
            print(f"[{i}/{len(names)}] {name}: failed (exit {code}): {last}", file=sys.stderr)
            continue
        show(f"\n[{i}/{len(names)}] {name} ({seconds:.1f} s)")
        if args.json:
            spec = BENCHMARKS.get(name)
            results[name] = json.loads(out) if spec is not None and spec.json else out
        else:
            results[name] = _report(name, out, BENCHMARKS.get(name))
    if args.json:
        print_json(results)
    if failed:
        raise CommandError(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}")
    return 0


def run(args: argparse.Namespace) -> int:
    return _main(args)
