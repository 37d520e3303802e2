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
    from typing import NoReturn, TextIO


EXAMPLES = """\
examples:
  icpp-sizer-check                                    check every config in ./configs/
  icpp-sizer-check --config configs/icpp_llama2.yaml  check one config
  icpp-sizer-check --write                            regenerate stale documents
"""

# Every variable the tool reads, for --help and the README.
ENVIRONMENT = (
    ("ICPP_SIZER_CHECK_NO_CACHE", "1, true or yes: as --no-cache"),
    ("XDG_CACHE_HOME", "where the caches live (absolute; default ~/.cache)"),
    ("NO_COLOR", "set to anything: no colour with --color auto"),
    ("GITHUB_ACTIONS", "true: --format github by default, and no replay"),
    ("GITHUB_STEP_SUMMARY", "--format github appends a Markdown summary to this file"),
    ("GITHUB_WORKSPACE", "--format github names annotated files from this folder"),
)


def epilog() -> str:
    """The examples, then the exit codes and the environment, from their tables."""
    from icpp_sizer_check.errors import EXIT_CODES

    lines = [EXAMPLES, "exit codes:"]
    lines += [f"  {code}  {meaning}" for code, meaning in EXIT_CODES]
    lines += ["", "environment:"]
    lines += [f"  {name:<26}{meaning}" for name, meaning in ENVIRONMENT]
    return "\n".join(lines) + "\n"


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

    class ArgumentParser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            # An argument may hold anything; it is shown, never sent to the terminal.
            from icpp_sizer_check.errors import printable

            super().error(printable(message))

    parser = ArgumentParser(
        prog=PROGRAM,
        description=(
            "Regenerate canister sizing documents for llama2.c models from YAML configs, "
            "fail when a committed document is stale, and fail when a model serves fewer "
            "concurrent users than its threshold."
        ),
        epilog=epilog(),
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
        "--exit-non-zero-on-write",
        action="store_true",
        help=(
            "with --write: exit 1 when a document was created or changed, so that a "
            "pre-commit hook stops the commit until the result is staged"
        ),
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
        help="use no cache: validate every config against the schema, and never replay "
        "the output of an unchanged passing check",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="text format: also list every model, with where its hyperparameters came from",
    )
    parser.add_argument(
        "--print-schema",
        action="store_true",
        help="write the JSON Schema of configs to standard output (for editors), then exit",
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


def discover_configs(folder: str | None = None) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside ``folder``, in name order."""
    from pathlib import Path

    from icpp_sizer_check.errors import UsageError
    from icpp_sizer_check.paths import DEFAULT_CONFIG_DIR, configs_in

    folder = folder or DEFAULT_CONFIG_DIR
    try:
        found = configs_in(folder)
    except OSError as error:  # a symlink loop, or a folder we may not list
        raise UsageError(
            f"cannot list ./{folder}/: {error.strerror or error}; fix it, "
            "or name configs with --config FILE"
        ) from None
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
        exit_non_zero_on_write: bool = False,
        format: str | None = None,
        color: str = "auto",
        no_cache: bool = False,
        verbose: bool = False,
        print_schema: bool = False,
    ) -> None:
        self.configs = configs
        self.write = write
        self.exit_non_zero_on_write = exit_non_zero_on_write
        self.format = format
        self.color = color
        self.no_cache = no_cache
        self.verbose = verbose
        self.print_schema = print_schema


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
        parser = build_parser()
        options = Options(**vars(parser.parse_args(argv)))
        if options.exit_non_zero_on_write and not options.write:
            parser.error("--exit-non-zero-on-write needs --write")
        return options
    except SystemExit as exit_request:
        # argparse exits for --help, --version and usage errors; main() returns instead.
        code = exit_request.code
        return code if isinstance(code, int) else 0


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
        options.configs or discover_configs(),
        write=options.write,
        use_cache=not options.no_cache,
        exit_non_zero_on_write=options.exit_non_zero_on_write,
    )
    try:
        get_reporter(output_format)(result, destination)
        if recordable:
            text = destination.out.getvalue()  # type: ignore[attr-defined]
            sys.stdout.write(text)
            sys.stdout.flush()
            if result.exit_code == 0 and not destination.color:
                replay.remember(
                    [(c.config_location, c.config_real, c.config_digest) for c in result.configs],
                    [read for config in result.configs for read in config.reads],
                    text,
                )
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_closed()
    except OSError as error:  # a full disk behind stdout, say
        from icpp_sizer_check.errors import OutputError

        raise OutputError(error.strerror or str(error)) from None
    return result.exit_code


def _stdout_closed() -> None:
    """The reader went away (``| head``): say nothing more, and let Python's
    last flush go nowhere instead of printing a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


# Characters a narrow terminal encoding (cp1252, ASCII) cannot show, as ASCII.
_ASCII = {"→": "->", "·": "-", "…": "...", "✅": "[ok]", "❌": "[failed]", "—": "-"}
ENCODING_ERRORS = "icpp-sizer-check-ascii"


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    shown = (_ASCII.get(c, c.encode("ascii", "backslashreplace").decode()) for c in text)
    return "".join(shown), error.end


def _tolerant_streams() -> None:
    """Output degrades to ASCII on a stream whose encoding cannot show a
    character, instead of failing; a closed stream (``>&-``) swallows it."""
    import codecs  # loaded at start-up already

    codecs.register_error(ENCODING_ERRORS, _ascii_fallback)
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=ENCODING_ERRORS)


def print_schema() -> int:
    """The shipped schema, byte for byte, so a repository can keep a copy for editors."""
    from icpp_sizer_check.cache import SCHEMA_FILE, read_package_data

    schema = read_package_data(SCHEMA_FILE)
    sys.stdout.flush()
    try:
        sys.stdout.buffer.write(schema)
        sys.stdout.buffer.flush()
    except AttributeError:  # a text-only stream
        sys.stdout.write(schema.decode("utf-8"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    _tolerant_streams()
    from icpp_sizer_check import replay

    try:
        if replay.replay(arguments):
            sys.stdout.flush()
            return 0
    except BrokenPipeError:
        _stdout_closed()
        return 0
    except Exception:  # noqa: BLE001 - a replay is only a shortcut; the full check decides
        pass
    parsed = parse(arguments)
    if isinstance(parsed, int):
        return parsed
    if parsed.print_schema:
        return print_schema()
    from icpp_sizer_check.errors import OutputError, SizerError

    try:
        return execute(parsed, os.environ, arguments)
    except OutputError as error:
        print(f"{PROGRAM}: error: cannot write the report: {error.reason}", file=sys.stderr)
        return error.exit_code
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
