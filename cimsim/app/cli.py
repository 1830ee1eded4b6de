"""Command line: ``cimsim compare | list | reproduce | bench`` (the top of the application layer).

Every argument and every output path is checked before any work. A bad one is a one-line error on stderr
that names the option, ``cimsim: error: --seed must be an integer >= 0, got -5``, with exit status 2
(argparse's own errors too); nothing is written then. Output folders are created only once every check
has passed, and a probe file proves each writable before the run. ``cimsim`` alone prints the help;
``cimsim --version`` prints the package version and the git commit where there is one.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

EXIT_USAGE = 2
SEED_MAX = 2**31 - 1  # JAX keys repeat beyond 2**32 and the experiments add offsets up to 20 000 to a seed
DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
GALLERY_MARKER = ".gallery"  # a folder holding this file keeps the full-run figures: no --quick run writes there


class UsageError(Exception):
    """A bad argument or output path; the message names the option and the value."""


class UsageExit(SystemExit):
    """SystemExit with status 2 whose str() is the message already printed (so callers and tests can read
    the reason from the exception as well as from stderr)."""

    def __init__(self, message: str):
        super().__init__(EXIT_USAGE)
        self.message = message

    def __str__(self) -> str:
        return self.message


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, in the same form as the command's own checks."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(EXIT_USAGE, f"cimsim: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """``--version``: the package version and, where cimsim runs from a git checkout, the commit."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version())
        parser.exit(0)


def version() -> str:
    """``cimsim X.Y.Z`` and ``(git COMMIT)`` where available."""
    import cimsim

    from .results import git_commit

    commit = git_commit()
    return f"cimsim {cimsim.__version__}" + (f" (git {commit})" if commit else "")


# ---- checks: pure, nothing is created ---------------------------------------------------------------

def _check_seed(seed: int) -> None:
    if seed < 0:
        raise UsageError(f"--seed must be an integer >= 0, got {seed}")
    if seed > SEED_MAX:
        raise UsageError(f"--seed must be <= {SEED_MAX} (JAX keys repeat beyond 2**32), got {seed}")


def _check_number(option: str, value: float, minimum: float) -> None:
    if not (math.isfinite(value) and value >= minimum):
        raise UsageError(f"{option} must be a finite number >= {minimum:g}, got {value}")


def _check_int(option: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise UsageError(f"{option} must be >= {minimum}, got {value}")


def _dir_problem(path: Path) -> str | None:
    """Why ``path`` cannot serve as an output folder (it exists or can be created), or None."""
    path = Path(os.path.abspath(path))
    if path.exists():
        if not path.is_dir():
            return f"{str(path)!r} is a file, not a folder"
        return None if os.access(path, os.W_OK | os.X_OK) else f"folder {str(path)!r} is not writable"
    base = path.parent
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        return f"{str(base)!r} is a file, not a folder"
    return None if os.access(base, os.W_OK | os.X_OK) else f"folder {str(base)!r} is not writable"


def _check_out_dir(option: str, value: str) -> Path:
    if not value:
        raise UsageError(f"{option} must name a folder, got ''")
    problem = _dir_problem(Path(value))
    if problem:
        raise UsageError(f"{option} {value!r} cannot be created or written: {problem}")
    return Path(value)


def _check_out_file(option: str, value: str, suffix: str | None = None) -> Path:
    if not value or value.endswith(("/", os.sep)):
        raise UsageError(f"{option} must name a file, got {value!r}")
    path = Path(value)
    if suffix and path.suffix.lower() != suffix:
        raise UsageError(f"{option} must name a {suffix} file, got {value!r}")
    if path.is_dir():
        raise UsageError(f"{option} {value!r} is a folder; give a file name")
    problem = _dir_problem(path.parent)
    if problem:
        raise UsageError(f"{option} {value!r} cannot be written: {problem}")
    return path


def _check_dask_address(address: str) -> None:
    """A scheduler address ``[SCHEME://]HOST:PORT``, checked for form only (reaching it comes later)."""
    scheme, sep, loc = address.rpartition("://")
    if sep and scheme not in DASK_SCHEMES:
        raise UsageError(f"--dask scheme must be one of {', '.join(DASK_SCHEMES)}, got {scheme!r} in {address!r}")
    host, colon, port = loc.rpartition(":")
    if not colon or not host or host in ("[", "[]") or "/" in loc or " " in loc:
        raise UsageError(f"--dask must be a scheduler address tcp://HOST:PORT, got {address!r}")
    if not (port.isdigit() and 1 <= int(port) <= 65535):
        raise UsageError(f"--dask port must be an integer in 1..65535, got {port!r} in {address!r}")


def _is_gallery(folder: Path) -> bool:
    return (folder / GALLERY_MARKER).is_file()


# ---- preparing output folders: after every check has passed -----------------------------------------

def _prepare(folders: list[tuple[str, str, Path]]) -> None:
    """Creates each (option, value, folder) and writes and removes a probe file there; on failure removes
    the folders it created and raises UsageError naming the option."""
    created: list[Path] = []
    try:
        for option, value, folder in folders:
            missing = []
            p = Path(os.path.abspath(folder))
            while not p.exists():
                missing.append(p)
                p = p.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
                created += reversed(missing)
                with tempfile.TemporaryFile(dir=folder, prefix=".cimsim-probe-"):
                    pass
            except OSError as exc:
                created += [m for m in reversed(missing) if m.exists() and m not in created]
                raise UsageError(f"{option} {value!r} cannot be written: {exc.strerror or exc}") from exc
    except UsageError:
        for p in reversed(created):
            try:
                p.rmdir()
            except OSError:
                pass
        raise


# ---- commands ---------------------------------------------------------------------------------------

def _cmd_list(args: argparse.Namespace) -> int:
    import experiments

    width = max(len(n) for n in experiments.REGISTRY)
    for name, (_, desc, paper) in experiments.REGISTRY.items():
        print(f"{name:<{width}}  {desc}\n{'':<{width}}  reproduces: {paper}")
    return 0


def _check_reproduce(args: argparse.Namespace) -> list[str]:
    import experiments

    names = list(dict.fromkeys(args.names)) or experiments.names()
    unknown = [n for n in names if n not in experiments.REGISTRY]
    if unknown:
        raise UsageError(f"unknown experiment(s) {', '.join(unknown)}; known: {', '.join(experiments.names())}")
    _check_seed(args.seed)
    _check_int("--jobs", args.jobs, 1)
    if args.dask is not None:
        _check_dask_address(args.dask)
        if args.jobs > 1:
            raise UsageError(f"--jobs {args.jobs} and --dask are alternatives (Dask workers run the points): give one")
    out = _check_out_dir("--out", args.out)
    if args.quick and _is_gallery(out.resolve()):
        raise UsageError(f"--out {args.out!r} is the figure gallery of full runs (it holds {GALLERY_MARKER}); "
                         "write --quick runs elsewhere, e.g. --out results")
    return names


def _cmd_reproduce(args: argparse.Namespace) -> int:
    import json

    names = _check_reproduce(args)
    if args.data is not None:
        if names not in (["resnet-drift"], ["lm-drift"], ["gain-cell-attention"]):
            raise UsageError(f"--data applies to resnet-drift, lm-drift or gain-cell-attention alone; name one and "
                             f"nothing else, "
                             f"got {names}")
        data = Path(args.data)
        if names == ["resnet-drift"] and not (data.is_dir() or (data.is_file() and data.suffix == ".npz")):
            raise UsageError(f"--data must be a data folder or a .npz file, got {args.data!r}")
        if names in (["lm-drift"], ["gain-cell-attention"]) and not (data.is_dir() or data.is_file()):
            raise UsageError(f"--data must be a text file (or a folder of fortunes files), got {args.data!r}")
    import experiments
    from experiments import _checks, _sweep

    out = Path(args.out)
    client = None
    if args.dask:
        try:
            client = _sweep.connect_dask(args.dask, timeout_s=_sweep.DASK_TIMEOUT_S)
        except RuntimeError as exc:
            raise UsageError(f"--dask: {exc}") from exc
    try:
        _prepare([("--out", args.out, out)])
        from tqdm.auto import tqdm

        failed = inconclusive = 0
        for name in tqdm(names, desc="reproduce", disable=len(names) < 2):
            t0 = time.perf_counter()
            module = experiments.load(name)
            if _sweep.is_sweep(module):
                path = _sweep.run(module, args.seed, out, args.quick, jobs=args.jobs, client=client)
            else:
                extra = {} if args.data is None else {"data": args.data}
                path = module.main(seed=args.seed, out_dir=out, quick=args.quick, **extra)
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
    outs = []
    for flag, value in (("--json", args.json), ("--markdown", args.markdown)):
        if value is not None:
            path = _check_out_file(flag, value)
            outs.append((flag, value, path.parent))
    if isinstance(args.runs, bool) or not isinstance(args.runs, int) or args.runs < 1:
        raise UsageError(f"--runs must be an integer >= 1, got {args.runs!r}")
    if args.from_json is not None:
        if args.json is not None or args.quick or args.runs != 1:
            raise UsageError("--from-json renders a result written before: give it --markdown only")
        if args.markdown is None:
            raise UsageError("--from-json needs --markdown PATH")
        src = Path(args.from_json)
        if not src.is_file():
            raise UsageError(f"--from-json {args.from_json!r} is not a file")
        try:
            import json

            from .bench_report import render

            render(json.loads(src.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"--from-json {args.from_json!r} is not a cimsim bench result "
                             f"({type(exc).__name__}: {exc})") from None
    _prepare(outs)
    from . import bench

    bench.main(quick=args.quick, json_path=args.json, markdown_path=args.markdown, from_json=args.from_json,
               runs=args.runs)
    return 0


def _check_compare(args: argparse.Namespace) -> list[tuple[str, str, Path]]:
    """Checks every argument of ``compare``; returns the output folders to prepare."""
    from cimsim.energy import load_gpu, load_table

    from .workloads import WORKLOADS

    user = args.workload not in WORKLOADS
    if user:
        path, sep, fn = args.workload.rpartition(":")
        if not sep or not path.endswith(".py") or not fn.isidentifier():
            raise UsageError(f"--workload must be one of {', '.join(WORKLOADS)} or path/to/file.py:function, "
                             f"got {args.workload!r}")
        if not os.path.isfile(path):
            raise UsageError(f"--workload {args.workload!r}: {path!r} is not a file")
    stem = "compare" if args.workload == "digits-mlp" else "compare-user" if user else f"compare-{args.workload}"
    if args.json is None:
        args.json = f"results/{stem}.json"
    if args.plot is None:
        args.plot = f"results/{stem}.png"
    _check_seed(args.seed)
    _check_number("--pue", args.pue, 1.0)
    _check_number("--grid-gco2-per-kwh", args.grid_gco2_per_kwh, 0.0)
    _check_number("--t-s", args.t_s, 0.0)
    if args.batch is not None:
        _check_int("--batch", args.batch, 1)
    for flag, value in (("--prompt-tokens", args.prompt_tokens), ("--output-tokens", args.output_tokens)):
        if value is not None:
            _check_int(flag, value, 1)
    if args.workload not in ("char-lm", "resnet20") and (args.data is not None or args.quick):
        raise UsageError(f"--data and --quick apply to --workload char-lm or resnet20, not {args.workload!r}")
    if args.workload == "char-lm" and args.data is not None and not os.path.isfile(args.data):
        raise UsageError(f"--data must be a text file, got {args.data!r}")
    if args.workload == "resnet20" and args.data is not None and not (
            os.path.isdir(args.data) or (os.path.isfile(args.data) and args.data.endswith(".npz"))):
        raise UsageError(f"--data must be a CIFAR-10 folder, an MNIST folder or a .npz file, got {args.data!r}")
    if args.workload == "resnet20" and args.quick and args.data is None:
        raise UsageError("--quick trains ResNet-20 briefly on --data: give --data PATH")
    if args.workload != "digits-mlp" and args.measure_gpu:
        raise UsageError(f"--measure-gpu measures the digits MLP only, not --workload {args.workload!r}")
    tables = ()
    if args.energy_table is not None:
        try:
            tables = (load_table(args.energy_table),)
        except ValueError as exc:
            raise UsageError(f"--energy-table: {exc}") from exc
    try:
        load_gpu(args.gpu, tables=tables)
    except ValueError as exc:
        raise UsageError(f"--gpu: {exc}") from exc
    json_path = _check_out_file("--json", args.json)
    folders = [("--json", args.json, json_path.parent)]
    if args.plot:
        plot_path = _check_out_file("--plot", args.plot, ".png")
        if os.path.abspath(plot_path) == os.path.abspath(json_path):
            raise UsageError(f"--plot and --json name the same file {args.plot!r}")
        folders.append(("--plot", args.plot, plot_path.parent))
    return folders


def _cmd_compare(args: argparse.Namespace) -> int:
    _prepare(_check_compare(args))
    if args.workload == "digits-mlp":
        from . import compare
    else:
        from . import workloads as compare
    try:
        if args.workload == "resnet20" and args.data is not None:  # the experiments train it (a higher layer)
            from experiments.resnet_drift import compare_accuracy

            compare.main(args, accuracy=compare_accuracy(args.data, quick=args.quick, seed=args.seed, t_s=args.t_s))
        else:
            compare.main(args)
    except ValueError as exc:
        print(f"cimsim: error: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cimsim`` command."""
    p = _Parser(prog="cimsim", description="Analog compute-in-memory and neuromorphic emulator")
    p.add_argument("--version", action=_Version, help="print the version (and git commit) and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from .workloads import LM_WORKLOADS

    c = sub.add_parser("compare", help="a workload on a PCM crossbar chip vs a GPU (and an SNN), chip to facility "
                                       "(main job)")
    c.add_argument("--workload", default="digits-mlp", metavar="NAME",
                   help="digits-mlp (default: trained here, with accuracy), resnet20, char-lm (a character-level "
                        "transformer trained here on Debian's fortunes, with perplexity), a language model's "
                        "published shapes (energy only: " + ", ".join(LM_WORKLOADS) + "), or your own JAX model "
                        "as path/to/file.py:function (docs/workloads.md)")
    c.add_argument("--prompt-tokens", type=int, default=None,
                   help="language models: prompt tokens per query (default 512; char-lm 32)")
    c.add_argument("--output-tokens", type=int, default=None,
                   help="language models: output tokens per query (default 717, ML.ENERGY v3 Text Conversation "
                        "mean; char-lm 32)")
    c.add_argument("--data", default=None, metavar="PATH",
                   help="char-lm: the training text, a text file (default: Debian's fortunes); resnet20: CIFAR-10 "
                        "(or MNIST, or a .npz) to train and score it on")
    c.add_argument("--quick", action="store_true", help="char-lm, resnet20 --data: brief training (tests)")
    c.add_argument("--json", default=None,
                   help="result JSON (default results/compare.json; another workload: results/compare-NAME.json)")
    c.add_argument("--plot", default=None,
                   help="figure, a .png ('' for none; default results/compare.png or results/compare-NAME.png)")
    c.add_argument("--pue", type=float, default=1.56, help="power usage effectiveness, >= 1 (default 1.56, Uptime 2024)")
    c.add_argument("--grid-gco2-per-kwh", type=float, default=480.0, help="grid carbon intensity (default 480, world 2024)")
    c.add_argument("--gpu", default="h100", help="GPU of the roofline baseline: h100, a100, orin (default h100)")
    c.add_argument("--batch", type=int, default=None,
                   help="data-centre batch of the GPU rows (default 1024; language models: 64 sequences decoded together)")
    c.add_argument("--t-s", type=float, default=3600.0, help="seconds after programming the crossbar is read (default 3600)")
    c.add_argument("--seed", type=int, default=0, help=f"training and noise seed, 0..{SEED_MAX} (default 0)")
    c.add_argument("--energy-table", default=None, metavar="PATH", help="JSON table overriding built-in energy entries")
    c.add_argument("--measure-gpu", action="store_true", help="also measure the MLP on this machine's GPU with NVML")
    c.add_argument("--no-snn", action="store_true", help="leave out the spiking-network row")
    c.set_defaults(func=_cmd_compare)
    sub.add_parser("list", help="list experiments").set_defaults(func=_cmd_list)
    r = sub.add_parser("reproduce", help="run experiments: NAME.json, then NAME.png from it")
    r.add_argument("names", nargs="*", help="experiments to run (default: all)")
    r.add_argument("--quick", action="store_true", help="small sizes, for tests and previews (never into the gallery)")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help=f"root seed, 0..{SEED_MAX} (default 0)")
    r.add_argument("--jobs", type=int, default=1, help="local processes for sweep points (default 1)")
    r.add_argument("--dask", default=None, metavar="ADDRESS", help="run sweep points on a Dask scheduler, tcp://HOST:PORT")
    r.add_argument("--check", action="store_true", help="compare each result with its published numbers")
    r.add_argument("--data", default=None, metavar="PATH",
                   help="resnet-drift only: a CIFAR-10 binary folder, MNIST IDX folder or .npz (default: shipped digits)")
    r.set_defaults(func=_cmd_reproduce)
    b = sub.add_parser("bench", help="time the MVM against the BLAS floor")
    b.add_argument("--quick", action="store_true", help="fewer repeats")
    b.add_argument("--json", default=None, metavar="PATH", help="also write the result as JSON")
    b.add_argument("--markdown", default=None, metavar="PATH",
                   help="also write the performance page (docs/performance.md) from the result")
    b.add_argument("--from-json", default=None, metavar="PATH",
                   help="do not measure: write --markdown from a result written before by --json")
    b.add_argument("--runs", type=int, default=1, metavar="N",
                   help="run the whole bench N times; the result is the last run, with every run's goal ratios")
    b.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: the exit status (errors raise SystemExit with status 2)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        message = f"cimsim: error: {exc}".replace("\n", " ")
        print(message, file=sys.stderr)
        raise UsageExit(message) from None


def console() -> None:
    """The console script: exit status from main."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("cimsim: interrupted")


if __name__ == "__main__":  # pragma: no cover
    console()
