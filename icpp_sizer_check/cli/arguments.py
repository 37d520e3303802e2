"""The command line: its grammar, its help text, and what it asks for.

Parsing apart from running: :func:`parse` turns arguments into
:class:`Options` (or the exit code of --help and usage errors), and nothing
here touches a config.
"""

from __future__ import annotations

import os

from icpp_sizer_check import __program__, __version__
from icpp_sizer_check.cache import DISABLE_VARIABLE, DISABLING_VALUES
from icpp_sizer_check.paths import DEFAULT_CONFIG_DIR

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import NoReturn, TextIO

    from icpp_sizer_check.sources import FileSource


# The subcommand that reads a GGUF file's header for a llama_cpp_canister config.
DESCRIBE_GGUF = "describe-gguf"
DESCRIBE_USAGE = f"usage: {__program__} {DESCRIBE_GGUF} FILE"

EXAMPLES = f"""\
examples:
  {__program__}                                    check every config in ./{DEFAULT_CONFIG_DIR}/
  {__program__} --config {DEFAULT_CONFIG_DIR}/icpp_llama2.yaml  check one config
  {__program__} --write                            regenerate stale documents
  {__program__} {DESCRIBE_GGUF} FILE                  print a GGUF model's architecture: mapping
"""

# Every variable the tool reads, for --help and the README.
ENVIRONMENT = (
    (
        DISABLE_VARIABLE,
        f"{', '.join(DISABLING_VALUES[:-1])} or {DISABLING_VALUES[-1]}: as --no-cache",
    ),
    ("XDG_CACHE_HOME", "where the caches live (absolute; default ~/.cache)"),
    ("NO_COLOR", "set to anything: no colour with --color auto"),
    ("GITHUB_ACTIONS", "true: --format github by default, and no replay"),
    ("GITHUB_STEP_SUMMARY", "--format github appends a Markdown summary to this file"),
    ("GITHUB_WORKSPACE", "--format github names annotated files from this folder"),
)


def epilog() -> str:
    """The examples, then the exit codes and the environment, from their tables."""
    from icpp_sizer_check.exit_codes import EXIT_CODES

    lines = [EXAMPLES, "exit codes:"]
    lines += [f"  {code}  {meaning}" for code, meaning in EXIT_CODES]
    lines += ["", "environment:"]
    lines += [f"  {name:<26}{meaning}" for name, meaning in ENVIRONMENT]
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path

    from icpp_sizer_check.report import FORMATS

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
        prog=__program__,
        description=(
            "Regenerate canister sizing documents for LLMs (llama2.c models for icpp_llama2, "
            "GGUF models for llama_cpp_canister) from YAML configs, fail when a committed "
            "document is stale, and fail when a model falls below its threshold."
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
        help="a YAML config; repeat for several (default: every *.yaml and *.yml in "
        f"./{DEFAULT_CONFIG_DIR}/)",
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
        "--staged",
        action="store_true",
        help=(
            "judge the commit being made: each config and document as the git index holds "
            "it (a file on disk but not staged is not in the commit); only staged configs "
            "are found in ./configs/, model files are read from disk, and --write still "
            "writes the working tree, failing until what it wrote is staged. For "
            "pre-commit hooks"
        ),
    )
    parser.add_argument(
        "--format",
        choices=tuple(FORMATS),
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
    from icpp_sizer_check.report import GITHUB, TEXT

    return GITHUB if environ.get("GITHUB_ACTIONS") == "true" else TEXT


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Colour per https://no-color.org: an explicit choice wins, then NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def discover_configs(folder: str | None = None, source: FileSource | None = None) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` directly inside ``folder``, in name order, as
    ``source`` holds them (default: on disk; with --staged: in the index)."""
    from pathlib import Path

    from icpp_sizer_check.errors import UsageError
    from icpp_sizer_check.paths import DEFAULT_CONFIG_DIR, configs_in

    folder = folder or DEFAULT_CONFIG_DIR
    try:
        found = source.configs_in(folder) if source else configs_in(folder)
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
        staged = " staged" if source and source.staged else ""
        raise UsageError(
            f"no{staged} *.yaml or *.yml files in ./{folder}/; add a config or name one "
            "with --config FILE"
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
        plain: list[str] | None = None,
        staged: bool = False,
    ) -> None:
        self.configs = configs
        self.write = write
        self.exit_non_zero_on_write = exit_non_zero_on_write
        self.format = format
        self.color = color
        self.no_cache = no_cache
        self.verbose = verbose
        self.print_schema = print_schema
        self.staged = staged
        # The configs of a plain check (`--config FILE` at most, [] for the
        # default folder); None for any other command line.
        self.plain = plain


def parse(
    argv: Sequence[str], plain: list[str] | None = None, staged: bool = False
) -> Options | int:
    """The options, or the exit code when argparse ends the run (--help, --version,
    a usage error). ``plain``: the configs of a plain check, as
    :func:`icpp_sizer_check.replay.config_arguments` parsed them from ``argv``
    (``staged``: whether it holds --staged)."""
    if plain is not None:
        # argparse (with gettext and locale) costs ~8 ms to load, for an answer known here.
        from pathlib import Path

        configs = [Path(name) for name in plain] or None
        return Options(configs=configs, plain=plain, staged=staged)
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
