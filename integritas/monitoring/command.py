"""``integritas report --unit CODE --period P --format pdf|xlsx --output FILE`` (API.md §1): the
periodic evaluation report of the unit's subtree, the same file as ``GET /reports/evaluation``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STEPS = ("angka", "peta risiko", "bagian", "berkas")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("report", help="write the periodic evaluation report of a unit (PDF or XLSX)")
    parser.add_argument(
        "--unit", required=True, help="the unit's code: the report covers it and every unit below"
    )
    parser.add_argument(
        "--period", required=True, help="2026 (a year), 2026-S2 (a semester) or 2026-08 (a month)"
    )
    parser.add_argument("--format", required=True, choices=("pdf", "xlsx"))
    parser.add_argument("--output", required=True, help="the file to write")
    parser.set_defaults(func=run)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal (rich); nothing when the output goes to a file or a pipe."""
    if not enabled:
        yield lambda _step: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Menyusun laporan", total=len(STEPS))

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"Menyusun laporan: {name}")

        yield step


def run(args: argparse.Namespace) -> int:
    from integritas.errors import DomainError
    from integritas.monitoring import report
    from integritas.monitoring.periods import parse_period
    from integritas.orgs.models import Unit

    try:
        period = parse_period(args.period)
    except DomainError:
        print(f"error: --period {args.period!r}: write 2026, 2026-S2 or 2026-08", file=sys.stderr)
        return 2
    unit = Unit.objects.filter(code=args.unit).first()
    if unit is None:
        print(f"error: --unit {args.unit!r}: no such unit", file=sys.stderr)
        return 2
    path = Path(args.output)
    with _progress(sys.stderr.isatty()) as step:
        built = report.build(unit, period, None, progress=step)
        step("berkas")
        body = report.render(built, args.format)
    try:
        path.write_bytes(body)
    except OSError as exc:
        print(f"error: {path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Wrote the evaluation report of {unit.code} for {period.code} to {path} ({len(body)} bytes)")
    return 0
