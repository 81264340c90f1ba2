"""python -m bench build --cases N | run [--requests 30] [--intake 100] | explain | sweep [--processes N]
(see bench/__init__.py)."""

from __future__ import annotations

import argparse
import os
import sys


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench: set DATABASE_URL=postgresql://… (the benchmark runs on PostgreSQL)")
    os.environ.setdefault("INTEGRITAS_DATA_DIR", os.path.abspath("bench-data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integritas.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="import the organisation, then write the cases in bulk")
    b.add_argument("--cases", type=int, default=100_000)
    b.add_argument("--districts", type=int, default=30)
    b.add_argument("--schools", type=int, default=333, help="schools per district")
    b.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("run", help="serve, time every figure, print p50/p95 and the ratio to the floor")
    r.add_argument("--requests", type=int, default=30, help="timed requests per endpoint")
    r.add_argument("--intake", type=int, default=100, help="reports filed per concurrency level")
    r.add_argument("--port", type=int, default=8321)
    r.add_argument("--only", default="", help="comma-separated figure names")
    r.add_argument("--concurrency", default="1,16", help="intake: comma-separated numbers of clients")
    r.add_argument(
        "--workers",
        type=int,
        default=0,
        help="serve with N gunicorn processes (default: the embedded server)",
    )
    e = sub.add_parser("explain", help="EXPLAIN ANALYZE the queries behind the figures")
    e.add_argument("--only", default="", help="comma-separated query names")
    w = sub.add_parser("sweep", help="time the deadline sweep alone (1%% of the open cases made overdue)")
    w.add_argument(
        "--processes",
        type=int,
        default=1,
        help="then the same overdue cases again, shared by N sweep processes started together",
    )
    sub.add_parser("sweep-part", help="one of the processes of `sweep --processes N` (started by it)")
    args = parser.parse_args(argv)
    setup()
    if args.command == "build":
        from bench.build import build

        build(args.cases, seed=args.seed, districts=args.districts, schools=args.schools)
        return 0
    if args.command == "explain":
        from bench.explain import explain

        explain(set(filter(None, args.only.split(","))))
        return 0
    if args.command == "sweep":
        from bench.build import load_state
        from bench.run import print_table, split_sweep_figure, sweep_figures

        figures = sweep_figures(tick=False)
        if args.processes > 1:
            figures.append(split_sweep_figure(args.processes))
        print_table(figures, load_state())
        return 1 if any(f.errors for f in figures) else 0
    if args.command == "sweep-part":
        from bench.run import sweep_part

        sweep_part()
        return 0
    from bench.run import run

    return run(
        requests=args.requests,
        intake=args.intake,
        port=args.port,
        only=set(filter(None, args.only.split(","))),
        workers=args.workers,
        concurrency=tuple(int(n) for n in args.concurrency.split(",") if n.strip()),
    )


if __name__ == "__main__":
    sys.exit(main())
