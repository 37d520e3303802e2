"""The lighter path: replay a passing check whose every input is unchanged.

A pre-commit hook checks the same configs on commit after commit, and almost
always they pass. After a passing text-format check, a run record is stored
under a key made of everything the run depended on: the tool version, the
schema, the current folder, the configs asked for (as given, or as found in
./configs/), their bytes, and each config's project root. The record lists
every other file the run read (each document, each checkpoint header) with a
hash of what was read and where its symlinks led.

A later run with the same key re-reads those files; only when every hash and
every resolved path still match does it print the recorded output and exit 0,
without importing YAML, JSON Schema or the rest of the tool. Any difference,
any other option, a failure, or a record that cannot be read sends the run
down the full path. So a record can make a run faster, never different.
"""

from __future__ import annotations

import marshal
import os
import sys

from icpp_sizer_check import __version__, cache, paths

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from collections.abc import Sequence

KIND = "runs"
RECORD_VERSION = 1


def config_arguments(argv: Sequence[str]) -> list[str] | None:
    """The configs named by a plain check (``--config FILE`` only), [] for the
    default folder, or None when the command line asks for anything else."""
    configs: list[str] = []
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument == "--config" and index + 1 < len(argv):
            configs.append(argv[index + 1])
            index += 2
        elif argument.startswith("--config="):
            configs.append(argument.removeprefix("--config="))
            index += 1
        else:
            return None
    return configs


def _config_files(given: list[str]) -> list[str] | None:
    if given:
        return given
    return paths.configs_in("configs") or None


def _read(path: str, limit: int | None) -> bytes:
    with open(path, "rb") as source:
        return source.read() if limit is None else source.read(limit)


def run_key(files: Sequence[str]) -> str | None:
    """The key of a check of ``files`` from the current folder, or None if a
    config cannot be read (the full path will say why)."""
    parts = [
        __version__.encode(),
        cache.read_package_data(cache.SCHEMA_FILE),
        os.getcwd().encode(),
    ]
    try:
        for name in files:
            parts += [
                name.encode(),
                _read(name, None),
                paths.project_root(os.path.dirname(os.path.abspath(name))).encode(),
            ]
    except OSError:
        return None
    return cache.digest(parts)


def _key_for(argv: Sequence[str]) -> str | None:
    """The run key of a plain check, or None for any other command line."""
    given = config_arguments(argv)
    files = _config_files(given) if given is not None else None
    return run_key(files) if files else None


def _hash_of(path: str, limit: int | None) -> str:
    return cache.digest([_read(path, limit)])


def replay(argv: Sequence[str]) -> bool:
    """Print the recorded output of an unchanged passing check; False if there is
    no such record and the full check must run."""
    if not cache.enabled() or os.environ.get("GITHUB_ACTIONS") == "true":
        return False
    key = _key_for(argv)
    if key is None:
        return False
    try:
        with open(cache.entry_path(KIND, key), "rb") as entry:
            record = marshal.load(entry)
        if record["version"] != RECORD_VERSION:
            return False
        for path, real_path, limit, expected in record["reads"]:
            if os.path.realpath(path) != real_path or _hash_of(path, limit) != expected:
                return False
        output: str = record["stdout"]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return False
    sys.stdout.write(output)
    return True


def remember(argv: Sequence[str], reads: Sequence[tuple[str, int | None]], stdout: str) -> None:
    """Record a passing check: its output and the files it read beside the configs."""
    if not cache.enabled():
        return
    key = _key_for(argv)
    if key is None:
        return
    try:
        recorded = [
            (path, os.path.realpath(path), limit, _hash_of(path, limit)) for path, limit in reads
        ]
    except OSError:
        return
    record = {"version": RECORD_VERSION, "reads": recorded, "stdout": stdout}
    cache.write_entry(KIND, key, marshal.dumps(record))
