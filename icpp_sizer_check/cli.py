"""Command line: parse arguments, run, report, map the outcome to an exit code.

Start-up is kept lean: a hook runs this on every commit. Only ``os`` and
``sys`` load before :func:`icpp_sizer_check.replay.replay` has had its chance to
answer an unchanged check; everything else loads after it declines.
"""

from __future__ import annotations

import os
import sys

from icpp_sizer_check import __program__ as PROGRAM
from icpp_sizer_check import __version__

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import TextIO

    from icpp_sizer_check.runner import RunResult

DEFAULT_CONFIG_DIR = "configs"

EPILOG = """\
examples:
  icpp-sizer-check                                    check every config in ./configs/
  icpp-sizer-check --config configs/icpp_llama2.yaml  check one config
  icpp-sizer-check --write                            regenerate stale documents

exit codes: 0 all fine; 1 a document is stale or missing, or a model serves
fewer users than its threshold, or does not fit; 2 bad arguments or config.
"""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path

    class HelpFormatter(argparse.RawDescriptionHelpFormatter):
        # argparse asks shutil for the terminal width, and shutil costs ~4 ms
        # of imports on every run; os can answer it.
        def __init__(self, prog: str) -> None:
            try:
                columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
            except (ValueError, OSError):
                columns = 80
            super().__init__(prog, width=columns - 2)

    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description=(
            "Regenerate canister sizing documents for llama2.c models from YAML configs, "
            "fail when a committed document is stale, and fail when a model serves fewer "
            "concurrent users than its threshold."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
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


def discover_configs(folder: str = DEFAULT_CONFIG_DIR) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside ``folder``, in name order."""
    from pathlib import Path

    from icpp_sizer_check.errors import UsageError
    from icpp_sizer_check.paths import configs_in

    found = configs_in(folder)
    if found is None:
        raise UsageError(
            f"no ./{folder}/ folder here; run from the project root "
            "or name configs with --config FILE"
        )
    if not found:
        raise UsageError(
            f"no *.yaml or *.yml files in ./{folder}/; add a config or name one with --config FILE"
        )
    return [Path(name) for name in found]


class Options:
    """The parsed command line."""

    def __init__(
        self,
        configs: list[Path] | None = None,
        write: bool = False,
        format: str | None = None,
        color: str = "auto",
        no_cache: bool = False,
        verbose: bool = False,
    ) -> None:
        self.configs = configs
        self.write = write
        self.format = format
        self.color = color
        self.no_cache = no_cache
        self.verbose = verbose


def parse(argv: Sequence[str]) -> Options | int:
    """The options, or the exit code when argparse ends the run (--help, --version,
    a usage error)."""
    from icpp_sizer_check import replay

    plain = replay.config_arguments(argv)
    if plain is not None:
        # The hook's usual command line: `--config FILE` at most. argparse (with
        # gettext and locale) costs ~8 ms to load, for an answer known here.
        from pathlib import Path

        return Options(configs=[Path(name) for name in plain] or None)
    try:
        return Options(**vars(build_parser().parse_args(argv)))
    except SystemExit as exit_request:
        # argparse exits for --help, --version and usage errors; main() returns instead.
        code = exit_request.code
        return code if isinstance(code, int) else 0


def _files_read(result: RunResult) -> list[tuple[str, int | None]]:
    """What a run read beside its configs, for a replay record."""
    from icpp_sizer_check.checkpoint import VERSIONED_HEADER_BYTES

    reads: list[tuple[str, int | None]] = []
    for config in result.configs:
        reads.append((config.output_location, None))
        reads += [(location, VERSIONED_HEADER_BYTES) for location in config.checkpoint_locations]
    return reads


def execute(options: Options, environ: Mapping[str, str], argv: Sequence[str]) -> int:
    """Run what the parsed command line asks for; return the exit code."""
    import io
    from pathlib import Path

    from icpp_sizer_check import replay
    from icpp_sizer_check.report import Destination, get_reporter
    from icpp_sizer_check.runner import run

    output_format = choose_format(options.format, environ)
    # A plain passing check is recorded, so an unchanged next one can be replayed.
    recordable = (
        output_format == "text"
        and not (options.write or options.verbose or options.no_cache)
        and replay.config_arguments(argv) is not None
    )
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    destination = Destination(
        out=io.StringIO() if recordable else sys.stdout,
        err=sys.stderr,
        color=output_format == "text" and use_color(options.color, sys.stdout, environ),
        verbose=options.verbose,
        step_summary=Path(summary_file) if output_format == "github" and summary_file else None,
        workspace=environ.get("GITHUB_WORKSPACE", "") if output_format == "github" else "",
    )
    result = run(
        options.configs or discover_configs(), write=options.write, use_cache=not options.no_cache
    )
    get_reporter(output_format)(result, destination)
    if recordable:
        text = destination.out.getvalue()  # type: ignore[attr-defined]
        sys.stdout.write(text)
        if result.exit_code == 0 and not destination.color:
            replay.remember(argv, _files_read(result), text)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    from icpp_sizer_check import replay

    if replay.replay(arguments):
        return 0
    parsed = parse(arguments)
    if isinstance(parsed, int):
        return parsed
    from icpp_sizer_check.errors import SizerError

    try:
        return execute(parsed, os.environ, arguments)
    except SizerError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception:  # noqa: BLE001 - the last guard between a bug and a wrong exit code
        import traceback  # only a bug pays for it

        from icpp_sizer_check.errors import EXIT_INTERNAL_ERROR

        traceback.print_exc()
        print(
            f"{PROGRAM}: internal error (a bug in {PROGRAM} {__version__}); please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
