"""Run the benchmarks and print each figure next to its floor.

Each module in :data:`MODULES` has ``run(quick: bool) -> list[Result]``.  ``python -m bench`` runs
them all; ``python -m bench etl_ingest`` runs one; ``--quick`` uses smaller sizes.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bench.common import Result, print_results

MODULES = ("etl_ingest", "goals_compute", "stored_compute", "dashboard_callbacks", "serve_load", "report_write",
           "store_postgres")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(MODULES)})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args(argv)
    if unknown := set(args.names) - set(MODULES):
        parser.error(f"unknown benchmark {sorted(unknown)}; choose from {', '.join(MODULES)}")
    results: list[Result] = []
    for name in args.names or MODULES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"(benchmark {name} not present)", file=sys.stderr)
                continue
            raise
        results += mod.run(quick=args.quick)
    print_results(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
