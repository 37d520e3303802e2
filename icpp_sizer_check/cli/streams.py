"""The tool's own output streams: tolerant of narrow encodings, closed pipes
and missing streams, so that printing a report never ends a run with a traceback."""

from __future__ import annotations

import os
import sys

from icpp_sizer_check import __program__


def stdout_closed() -> None:
    """The reader went away (``| head``): say nothing more, and let Python's
    last flush go nowhere instead of printing a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


# Characters a narrow terminal encoding (cp1252, ASCII) cannot show, as ASCII.
_ASCII = {"→": "->", "·": "-", "…": "...", "✅": "[ok]", "❌": "[failed]", "—": "-"}
ENCODING_ERRORS = f"{__program__}-ascii"


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    shown = (_ASCII.get(c, c.encode("ascii", "backslashreplace").decode()) for c in text)
    return "".join(shown), error.end


def tolerant_streams() -> None:
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
