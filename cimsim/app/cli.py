"""Command line: ``cimsim compare | list | reproduce | bench`` (the top of the application layer)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _cmd_list(args: argparse.Namespace) -> int:
    import experiments

    width = max(len(n) for n in experiments.REGISTRY)
    for name, (_, desc, paper) in experiments.REGISTRY.items():
        print(f"{name:<{width}}  {desc}\n{'':<{width}}  reproduces: {paper}")
    return 0


def _check_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(f"cimsim: error: --out {str(out)!r} cannot be created: {exc.strerror}")
    if not os.access(out, os.W_OK):
        raise SystemExit(f"cimsim: error: --out {str(out)!r} is not writable")


def _cmd_reproduce(args: argparse.Namespace) -> int:
    import json

    import experiments
    from experiments import _checks, _sweep

    names = args.names or experiments.names()
    unknown = [n for n in names if n not in experiments.REGISTRY]
    if unknown:
        raise SystemExit(f"cimsim: error: unknown experiment(s) {', '.join(unknown)}; "
                         f"known: {', '.join(experiments.names())}")
    if args.jobs < 1:
        raise SystemExit(f"cimsim: error: --jobs must be >= 1, got {args.jobs}")
    out = Path(args.out)
    _check_out_dir(out)
    client = None
    if args.dask:
        try:
            client = _sweep.connect_dask(args.dask)
        except RuntimeError as exc:
            raise SystemExit(f"cimsim: error: {exc}")
    from tqdm.auto import tqdm

    failed = inconclusive = 0
    try:
        for name in tqdm(names, desc="reproduce", disable=len(names) < 2):
            t0 = time.perf_counter()
            module = experiments.load(name)
            if _sweep.is_sweep(module):
                path = _sweep.run(module, args.seed, out, args.quick, jobs=args.jobs, client=client)
            else:
                path = module.main(seed=args.seed, out_dir=out, quick=args.quick)
            print(f"{name}: {path} and {path.with_suffix('.png')} ({time.perf_counter() - t0:.1f} s)")
            if args.check and name in _checks.CHECKS:
                for check, verdict, detail in _checks.run(name, json.loads(path.read_text())):
                    failed += verdict is _checks.Verdict.FAIL
                    inconclusive += verdict is _checks.Verdict.INCONCLUSIVE
                    print(f"  [{verdict}] {check}: {detail}")
            elif args.check:
                print("  (no published numbers to check)")
    finally:
        if client is not None:
            client.close()
    if inconclusive:
        print(f"{inconclusive} check(s) inconclusive at this size (not failures: more seeds or a full run decide)")
    if failed:
        print(f"{failed} check(s) failed")
    return 1 if failed else 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    bench.main(quick=args.quick, json_path=args.json)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from . import compare

    try:
        compare.main(args)
    except ValueError as exc:
        raise SystemExit(f"cimsim: error: {exc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cimsim`` command."""
    p = argparse.ArgumentParser(prog="cimsim", description="Analog compute-in-memory and neuromorphic emulator")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="the digits MLP on a PCM crossbar vs a GPU, chip to facility (main job)")
    c.add_argument("--json", default="results/compare.json", help="result JSON (default results/compare.json)")
    c.add_argument("--plot", default="results/compare.png", help="bar chart PNG ('' for none)")
    c.add_argument("--pue", type=float, default=1.56, help="power usage effectiveness (default 1.56, Uptime 2024)")
    c.add_argument("--grid-gco2-per-kwh", type=float, default=480.0, help="grid carbon intensity (default 480, world 2024)")
    c.add_argument("--gpu", default="h100", help="GPU of the roofline baseline: h100, a100, orin (default h100)")
    c.add_argument("--batch", type=int, default=1024, help="data-centre batch size of the GPU rows (default 1024)")
    c.add_argument("--t-s", type=float, default=3600.0, help="seconds after programming the crossbar is read (default 3600)")
    c.add_argument("--seed", type=int, default=0, help="training and noise seed (default 0)")
    c.add_argument("--energy-table", default=None, metavar="PATH", help="JSON table overriding built-in energy entries")
    c.add_argument("--measure-gpu", action="store_true", help="also measure the MLP on this machine's GPU with NVML")
    c.add_argument("--no-snn", action="store_true", help="leave out the spiking-network row")
    c.set_defaults(func=_cmd_compare)
    sub.add_parser("list", help="list experiments").set_defaults(func=_cmd_list)
    r = sub.add_parser("reproduce", help="run experiments: NAME.json, then NAME.png from it")
    r.add_argument("names", nargs="*", help="experiments to run (default: all)")
    r.add_argument("--quick", action="store_true", help="small sizes, for tests and previews")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    r.add_argument("--jobs", type=int, default=1, help="local processes for sweep points (default 1)")
    r.add_argument("--dask", default=None, metavar="ADDRESS", help="run sweep points on a Dask scheduler, tcp://HOST:PORT")
    r.add_argument("--check", action="store_true", help="compare each result with its published numbers")
    r.set_defaults(func=_cmd_reproduce)
    b = sub.add_parser("bench", help="time the MVM against the BLAS floor")
    b.add_argument("--quick", action="store_true", help="fewer repeats")
    b.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    b.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


def console() -> None:
    """The console script: exit status from main."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
