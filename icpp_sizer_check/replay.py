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

from icpp_sizer_check import cache, paths

TYPE_CHECKING = False  # typing costs ~4 ms to import; only mypy needs it
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from icpp_sizer_check.git_index import GitIndex
    from icpp_sizer_check.results import RunResult

KIND = "runs"
RECORD_VERSION = 3
# A record holds one line of output per config and a few paths; anything
# larger is not one of ours.
MAX_RECORD_BYTES = 1024 * 1024


STAGED = "--staged"


def without_staged(argv: Sequence[str]) -> tuple[bool, list[str]]:
    """Whether ``argv`` asks for a --staged check, and the rest of it."""
    rest = [argument for argument in argv if argument != STAGED]
    return len(rest) < len(argv), rest


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


def eligible(plain: list[str] | None, environ: Mapping[str, str]) -> bool:
    """The replay rule: only a plain check (``plain``: its configs, from
    :func:`config_arguments`) is replayed or recorded, with the caches on, and
    never under GitHub Actions, where every run must be a real one. A plain
    check reports in text, the one format a record holds."""
    return plain is not None and cache.enabled() and environ.get("GITHUB_ACTIONS") != "true"


def _config_files(given: list[str], index: GitIndex | None) -> list[str] | None:
    if given:
        return given
    if index is not None:
        return index.files_in(paths.DEFAULT_CONFIG_DIR, paths.CONFIG_SUFFIXES) or None
    return paths.configs_in(paths.DEFAULT_CONFIG_DIR) or None


def _staged_index(staged: bool) -> GitIndex | None:
    """The index a --staged check judges; None for a check of the working tree."""
    if not staged:
        return None
    from icpp_sizer_check.git_index import GitIndex  # only a --staged check runs git

    return GitIndex()


def _config_bytes(names: list[str], index: GitIndex | None) -> list[bytes]:
    """Each config's bytes as the check reads them: from the index for --staged.
    ValueError when one is not a config the check could read."""
    if index is None:
        return [paths.read_regular(name, paths.MAX_CONFIG_BYTES + 1) for name in names]
    where = [index.committed_path(os.path.abspath(name)) for name in names]
    found = index.read(where, paths.MAX_CONFIG_BYTES)
    held = [data for data in found if isinstance(data, bytes)]
    if len(held) != len(found):
        raise ValueError("a config the index does not hold as a file")
    return held


def _read(path: str, limit: int | None) -> bytes:
    # Regular files only, and never more than a document may hold: a record
    # lookup must not hang on a FIFO or fill memory from /dev/zero.
    return paths.read_regular(path, paths.MAX_DOCUMENT_BYTES + 1 if limit is None else limit)


def run_key(configs: Sequence[tuple[str, str, str]], staged: bool = False) -> str:
    """The key of a check of ``configs`` (each: its absolute path as named, its
    real path, a hash of its bytes) from the current folder; a --staged check
    (``staged``: bytes from the index) has keys of its own."""
    from icpp_sizer_check.package_data import SCHEMA_FILE, read_package_data

    parts = [cache.tool_fingerprint(), read_package_data(SCHEMA_FILE), os.fsencode(os.getcwd())]
    parts.append(STAGED.encode() if staged else b"")
    for name, real, source_digest in configs:
        parts += [os.fsencode(name), os.fsencode(real), source_digest.encode()]
        parts.append(os.fsencode(paths.config_root(name)))
    return cache.digest(parts)


def _key_for(given: list[str], index: GitIndex | None) -> tuple[str, int] | None:
    """The run key of a plain check of ``given`` as the files stand now (in
    ``index``, for --staged), and how many configs it checks; None when a
    config cannot be read (the full path says why), or when the caches may not
    be used for them."""
    files = _config_files(given, index)
    if not files or not cache.usable(files, os.environ):
        return None
    # Each config once, as the full run checks it.
    names = paths.unique_files(files, staged=index is not None)
    configs = [
        (os.path.abspath(name), os.path.realpath(name), cache.digest([data]))
        for name, data in zip(names, _config_bytes(names, index))
    ]
    return run_key(configs, index is not None), len(configs)


def _staged_documents_match(index: GitIndex, documents: list[tuple[str, str]]) -> bool:
    """Whether the index holds each document (where the commit holds it, hash)
    with those bytes."""
    found = index.read([real for real, _ in documents], paths.MAX_DOCUMENT_BYTES)
    return all(
        isinstance(data, bytes) and cache.digest([data]) == expected
        for data, (_, expected) in zip(found, documents)
    )


def _hash_of(path: str, limit: int | None) -> str:
    return cache.digest([_read(path, limit)])


def _is_record(record: object) -> bool:
    """Whether ``record`` has exactly the shape :func:`remember` writes."""
    if not isinstance(record, dict) or set(record) != {"version", "reads", "stdout"}:
        return False
    reads = record["reads"]
    return (
        record["version"] == RECORD_VERSION
        and isinstance(record["stdout"], str)
        and isinstance(reads, list)
        and all(
            type(read) is tuple
            and len(read) == 5
            and isinstance(read[0], str)
            and isinstance(read[1], str)
            and (read[2] is None or type(read[2]) is int)
            and isinstance(read[3], str)
            and (read[4] is None or type(read[4]) is int)
            for read in reads
        )
    )


def _reads_every_document(
    reads: list[tuple[str, str, int | None, str, int | None]], configs: int
) -> bool:
    """A passing check read one whole document per config; a record that
    lists fewer was not written by :func:`remember`."""
    return sum(1 for read in reads if read[2] is None) == configs


def _leftover_temp_files(documents: list[str]) -> bool:
    """Whether a killed writer left a temp file (".{document}.{pid}.{random}.tmp")
    beside any of ``documents``: a full run clears it, a replay must not leave
    it behind. Each folder is listed once."""
    by_folder: dict[str, set[str]] = {}
    for document in documents:
        folder, name = os.path.split(document)
        by_folder.setdefault(folder, set()).add(name)
    for folder, names in by_folder.items():
        try:
            entries = [entry.name for entry in os.scandir(folder)]
        except OSError:
            return True
        if any(
            entry.startswith(".")
            and entry.endswith(".tmp")
            and entry[1:].rsplit(".", 3)[0] in names
            for entry in entries
        ):
            return True
    return False


def replay(plain: list[str] | None, staged: bool = False) -> bool:
    """Print the recorded output of an unchanged passing plain check of
    ``plain`` (of the index, with ``staged``); False if there is no such
    record and the full check must run."""
    if plain is None or not eligible(plain, os.environ):  # None: for mypy's sake
        return False
    try:
        index = _staged_index(staged)
        found = _key_for(plain, index)
    except (OSError, ValueError):  # OSError: GitError too; ValueError: a NUL in a name
        return False
    if found is None:
        return False
    key, key_configs = found
    try:
        with open(cache.entry_path(KIND, key), "rb") as entry:
            record = marshal.loads(entry.read(MAX_RECORD_BYTES))
        if not _is_record(record) or not _reads_every_document(record["reads"], key_configs):
            return False
        staged_documents = []
        for path, real_path, limit, expected, size in record["reads"]:
            if os.path.realpath(path) != real_path:
                return False
            if index is not None and limit is None:  # a document, judged in the index
                staged_documents.append((index.committed_path(path), expected))
            elif _hash_of(path, limit) != expected:
                return False
            if size is not None and os.stat(path).st_size != size:
                return False

        if index is not None and not _staged_documents_match(index, staged_documents):
            return False
        documents = [real for _, real, limit, _, _ in record["reads"] if limit is None]
        if _leftover_temp_files(documents):
            return False
        output: str = record["stdout"]
    except (OSError, EOFError, ValueError, TypeError):
        return False
    sys.stdout.write(output)
    return True


def remember(result: RunResult, stdout: str, staged: bool = False) -> None:
    """Record a passing check (see :func:`run_key`; ``staged``: of the index):
    its output, and each file it read beside its configs as (path, real path,
    bytes read, hash of the bytes used, the file's size where it was used), all
    as the check used them (a document of a --staged check: the index's
    bytes), never read again."""
    from icpp_sizer_check.exit_codes import EXIT_OK

    if result.exit_code != EXIT_OK:
        return
    configs = [
        (config.config_location, config.inputs.config_real, config.inputs.config_digest)
        for config in result.configs
    ]
    if not cache.usable([name for name, _, _ in configs], os.environ):
        return
    reads = [tuple(read) for config in result.configs for read in config.inputs.reads]
    try:
        key = run_key(configs, staged)
    except OSError:
        return
    record = {"version": RECORD_VERSION, "reads": reads, "stdout": stdout}
    cache.write_entry(KIND, key, marshal.dumps(record))
