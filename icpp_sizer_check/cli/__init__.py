"""Command line: parse arguments, run, report, map the outcome to an exit code.

Start-up is kept lean: a hook runs this on every commit. Only ``os`` and
``sys`` load before :func:`icpp_sizer_check.replay.replay` has had its chance to
answer an unchanged check; everything else loads after it declines.
"""

from __future__ import annotations

import os
import sys

from icpp_sizer_check import __program__, __version__
from icpp_sizer_check.exit_codes import EXIT_INTERNAL_ERROR, EXIT_OK

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from icpp_sizer_check.cli.arguments import Options


def bug_report(environ: Mapping[str, str]) -> str:
    """The traceback of the exception being handled, shown and never obeyed: it
    may quote a config, a document or a model file, so its controls are
    escaped, and in a workflow log no line of it acts as a command."""
    import traceback  # only a bug pays for it

    from icpp_sizer_check.errors import printable

    lines = printable(traceback.format_exc(), keep="\n").splitlines()
    if environ.get("GITHUB_ACTIONS") == "true":
        from icpp_sizer_check.report.github import inert_block

        lines = inert_block(lines)
    return "\n".join(lines)


def execute(options: Options, environ: Mapping[str, str]) -> int:
    """Run what the parsed command line asks for; return the exit code."""
    import io
    from pathlib import Path

    from icpp_sizer_check import replay
    from icpp_sizer_check.cli.arguments import choose_format, discover_configs, use_color
    from icpp_sizer_check.cli.streams import stdout_closed
    from icpp_sizer_check.report import GITHUB, TEXT, Destination, get_reporter
    from icpp_sizer_check.runner import run
    from icpp_sizer_check.sources import source_for

    output_format = choose_format(options.format, environ)
    # A plain passing check is recorded, so an unchanged next one can be replayed.
    recordable = replay.eligible(options.plain, environ)
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    destination = Destination(
        out=io.StringIO() if recordable else sys.stdout,
        err=sys.stderr,
        color=output_format == TEXT and use_color(options.color, sys.stdout, environ),
        verbose=options.verbose,
        step_summary=Path(summary_file) if output_format == GITHUB and summary_file else None,
        workspace=environ.get("GITHUB_WORKSPACE", "") if output_format == GITHUB else "",
    )
    source = source_for(options.staged)
    result = run(
        options.configs or discover_configs(source=source),
        write=options.write,
        use_cache=not options.no_cache,
        exit_non_zero_on_write=options.exit_non_zero_on_write,
        source=source,
    )
    try:
        get_reporter(output_format)(result, destination)
        if recordable:
            text = destination.out.getvalue()  # type: ignore[attr-defined]
            sys.stdout.write(text)
            sys.stdout.flush()
            if not destination.color:  # a record holds plain text only
                replay.remember(result, text, options.staged)
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
    except OSError as error:  # a full disk behind stdout, say
        from icpp_sizer_check.errors import OutputError

        raise OutputError(error.strerror or str(error)) from None
    return result.exit_code


def print_schema() -> int:
    """The shipped schema, byte for byte, so a repository can keep a copy for editors."""
    from icpp_sizer_check.package_data import SCHEMA_FILE, read_package_data

    schema = read_package_data(SCHEMA_FILE)
    sys.stdout.flush()
    try:
        sys.stdout.buffer.write(schema)
        sys.stdout.buffer.flush()
    except AttributeError:  # a text-only stream
        sys.stdout.write(schema.decode("utf-8"))
    return EXIT_OK


def describe_gguf(arguments: list[str]) -> int:
    """``describe-gguf FILE``: the architecture mapping of a GGUF model, for a config."""
    from icpp_sizer_check.cli.arguments import DESCRIBE_GGUF, DESCRIBE_USAGE
    from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT

    if arguments in (["-h"], ["--help"]):
        print(
            f"{DESCRIBE_USAGE}\n\nPrint the architecture: mapping of a llama_cpp_canister "
            "model, read from the header of its GGUF FILE, ready to paste under the model."
        )
        return EXIT_OK
    if len(arguments) != 1 or arguments[0].startswith("-"):
        print(
            f"{DESCRIBE_USAGE}\n{__program__} {DESCRIBE_GGUF}: error: name one GGUF file",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from icpp_sizer_check.runtimes.llama_cpp_canister.describe import main_describe

    return main_describe(arguments[0], sys.stdout, sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["describe-gguf"]:
        from icpp_sizer_check.cli.streams import tolerant_streams

        tolerant_streams()
        return describe_gguf(arguments[1:])
    from icpp_sizer_check import replay
    from icpp_sizer_check.cli.streams import stdout_closed, tolerant_streams

    tolerant_streams()
    # The hook's usual command line (`--config FILE` at most, and --staged),
    # parsed once: the replay, the parser and the record all take it from here.
    staged, rest = replay.without_staged(arguments)
    plain = replay.config_arguments(rest)
    try:
        if replay.replay(plain, staged):
            sys.stdout.flush()
            return EXIT_OK
    except BrokenPipeError:
        stdout_closed()
        return EXIT_OK
    except Exception:  # noqa: BLE001 - a replay is only a shortcut; the full check decides
        pass
    from icpp_sizer_check.cli.arguments import parse

    parsed = parse(arguments, plain, staged)
    if isinstance(parsed, int):
        return parsed
    if parsed.print_schema:
        return print_schema()
    from icpp_sizer_check.errors import OutputError, SizerError

    try:
        return execute(parsed, os.environ)
    except OutputError as error:
        print(f"{__program__}: error: cannot write the report: {error.reason}", file=sys.stderr)
        return error.exit_code
    except SizerError as error:
        print(f"{__program__}: error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception:  # noqa: BLE001 - the last guard between a bug and a wrong exit code
        print(bug_report(os.environ), file=sys.stderr)
        print(
            f"{__program__}: internal error (a bug in {__program__} {__version__}); "
            "please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
