"""Command line: parse arguments, run, report, map the outcome to an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence, TextIO

from icpp_sizer_check import __version__
from icpp_sizer_check.config import PROGRAM
from icpp_sizer_check.errors import EXIT_INTERNAL_ERROR, SizerError, UsageError

DEFAULT_CONFIG_DIR = Path("configs")

EPILOG = """\
examples:
  icpp-sizer-check                                    check every config in ./configs/
  icpp-sizer-check --config configs/icpp_llama2.yaml  check one config
  icpp-sizer-check --write                            regenerate stale documents

exit codes: 0 all fine; 1 a document is stale or missing, or a model serves
fewer users than its threshold, or does not fit; 2 bad arguments or config.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description=(
            "Regenerate canister sizing documents for llama2.c models from YAML configs, "
            "fail when a committed document is stale, and fail when a model serves fewer "
            "concurrent users than its threshold."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        dest="configs",
        action="append",
        type=Path,
        metavar="FILE",
        help="a YAML config; repeat for several (default: every *.yaml and *.yml in ./configs/)",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="regenerate the documents that differ (atomically), then check thresholds",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        help="output format (default: github when GITHUB_ACTIONS=true, else text)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text diff: auto means on a terminal unless NO_COLOR is set",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="validate every config against the schema, ignoring the validation cache",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="text format: also list every model, with where its hyperparameters came from",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def choose_format(requested: str | None, environ: Mapping[str, str]) -> str:
    if requested is not None:
        return requested
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Colour per https://no-color.org: an explicit choice wins, then NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def discover_configs(folder: Path = DEFAULT_CONFIG_DIR) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside ``folder``, in name order."""
    if not folder.is_dir():
        raise UsageError(
            f"no ./{folder.as_posix()}/ folder here; run from the project root "
            "or name configs with --config FILE"
        )
    found = sorted(
        path for path in folder.iterdir() if path.suffix in (".yaml", ".yml") and path.is_file()
    )
    if not found:
        raise UsageError(
            f"no *.yaml or *.yml files in ./{folder.as_posix()}/; "
            "add a config or name one with --config FILE"
        )
    return found


def _parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exit_request:
        # argparse exits for --help, --version and usage errors; main() returns instead.
        code = exit_request.code
        return code if isinstance(code, int) else 0


def execute(options: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Run what the parsed command line asks for; return the exit code."""
    from icpp_sizer_check.report import Destination, get_reporter
    from icpp_sizer_check.runner import run

    output_format = choose_format(options.format, environ)
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    destination = Destination(
        out=sys.stdout,
        err=sys.stderr,
        color=output_format == "text" and use_color(options.color, sys.stdout, environ),
        verbose=options.verbose,
        step_summary=Path(summary_file) if output_format == "github" and summary_file else None,
    )
    result = run(
        options.configs or discover_configs(), write=options.write, use_cache=not options.no_cache
    )
    get_reporter(output_format)(result, destination)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    parsed = _parse(argv)
    if isinstance(parsed, int):
        return parsed
    try:
        return execute(parsed, os.environ)
    except SizerError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception:  # noqa: BLE001 - the last guard between a bug and a wrong exit code
        import traceback  # only a bug pays for it

        traceback.print_exc()
        print(
            f"{PROGRAM}: internal error (a bug in {PROGRAM} {__version__}); please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
