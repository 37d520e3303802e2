"""Run mutmut over the package's logic and print the mutation score per module.

The score counts only mutants that change behaviour: those judged equivalent
(the code does the same with or without the change) are listed, each with its
reason, in ``equivalent.txt`` beside this file, and left out of the count.

    python -m tests.mutation            a fresh run (about 15 minutes on 2 cores)
    python -m tests.mutation --recheck  rerun only the last run's survivors
    python -m tests.mutation --report   print the last run's score, run nothing
    python -m tests.mutation --only 'pkg.config.read.*'
                                        run (or, with --recheck or --report,
                                        take) only the mutants the glob matches

mutmut runs under ``nice -n 10`` with at most two processes, on the quick test
set (no integration tests) and the dev hypothesis profile. The command fails
when a module scores under ``--fail-under`` or when ``equivalent.txt`` names a
mutant that no longer exists or that the tests now catch.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, NamedTuple, Sequence

EQUIVALENT_FILE = Path(__file__).with_name("equivalent.txt")
MUTANTS_FOLDER = Path("mutants")
# mutmut's verdicts that mean the tests did not pass with the mutant. A timeout
# is a mutant that made the code loop (the tests would hang); "segfault" and
# "suspicious" are test runs ended by a signal or an unknown exit code, such as
# a mutant that sends SIGHUP to the test process itself.
CAUGHT = frozenset({"killed", "timeout", "caught by type check", "segfault", "suspicious"})
DEFAULT_FAIL_UNDER = 95.0


class ModuleScore(NamedTuple):
    module: str
    mutants: int
    killed: int
    equivalent: int
    survivors: List[str]

    @property
    def score(self) -> float:
        """Caught mutants as a percentage of those that change behaviour."""
        counted = self.mutants - self.equivalent
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def parse_results(text: str) -> Dict[str, str]:
    """mutmut's ``results --all true`` lines (``    NAME: STATUS``) as NAME -> STATUS."""
    statuses = {}
    for line in text.splitlines():
        name, separator, status = line.strip().partition(": ")
        if separator and "__mutmut_" in name:
            statuses[name] = status.strip()
    return statuses


def parse_equivalent(text: str) -> Dict[str, str]:
    """``NAME  reason`` lines as NAME -> reason; ``#`` starts a comment line."""
    reasons = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, _, reason = stripped.partition(" ")
        if "__mutmut_" not in name or not reason.strip():
            raise ValueError(
                f"{EQUIVALENT_FILE.name}:{number}: expected a mutant name and its reason"
            )
        if name in reasons:
            raise ValueError(f"{EQUIVALENT_FILE.name}:{number}: {name} is listed twice")
        reasons[name] = reason.strip()
    return reasons


def module_of(mutant: str) -> str:
    """``pkg.module.x_function__mutmut_3`` -> ``pkg.module``."""
    return mutant.rsplit(".", 1)[0]


def short_names(modules: Sequence[str]) -> Dict[str, str]:
    """Each module without the packages every one of them is in:
    ``pkg.render`` and ``pkg.runtimes.llama.sizing`` as ``render`` and
    ``runtimes.llama.sizing``. A lone module keeps its last part."""
    split = [module.split(".") for module in modules]
    shared = 0
    while split and all(
        len(parts) > shared + 1 and parts[shared] == split[0][shared] for parts in split
    ):
        shared += 1
    return {module: ".".join(parts[shared:]) for module, parts in zip(modules, split)}


def selected(names: Dict[str, str], globs: Sequence[str]) -> Dict[str, str]:
    """The entries whose mutant name one of the globs matches; all of them without globs."""
    if not globs:
        return dict(names)
    return {
        name: value
        for name, value in names.items()
        if any(fnmatch.fnmatchcase(name, glob) for glob in globs)
    }


def stale_entries(statuses: Dict[str, str], equivalent: Dict[str, str]) -> List[str]:
    """Entries of the equivalent list that are no longer true."""
    problems = []
    for name in equivalent:
        status = statuses.get(name)
        if status is None:
            problems.append(f"{name}: no such mutant (its function changed? judge it again)")
        elif status in CAUGHT:
            problems.append(f"{name}: listed as equivalent but the tests catch it; remove it")
    return problems


def scores(statuses: Dict[str, str], equivalent: Dict[str, str]) -> List[ModuleScore]:
    by_module: Dict[str, List[str]] = {}
    for name in statuses:
        by_module.setdefault(module_of(name), []).append(name)
    table = []
    for module in sorted(by_module):
        names = by_module[module]
        killed = sum(statuses[name] in CAUGHT for name in names)
        judged = sum(name in equivalent and statuses[name] not in CAUGHT for name in names)
        survivors = [
            name for name in names if statuses[name] not in CAUGHT and name not in equivalent
        ]
        table.append(ModuleScore(module, len(names), killed, judged, survivors))
    return table


def overall(table: Sequence[ModuleScore]) -> ModuleScore:
    return ModuleScore(
        "overall",
        sum(row.mutants for row in table),
        sum(row.killed for row in table),
        sum(row.equivalent for row in table),
        [name for row in table for name in row.survivors],
    )


def format_table(table: Sequence[ModuleScore]) -> str:
    header = ("module", "mutants", "killed", "equivalent", "survived", "score")
    shown = short_names([row.module for row in table])
    rows = [
        (
            shown.get(row.module, row.module),
            str(row.mutants),
            str(row.killed),
            str(row.equivalent),
            str(len(row.survivors)),
            f"{row.score:.1f} %",
        )
        for row in [*table, overall(table)]
    ]
    widths = [max(len(line[column]) for line in [header, *rows]) for column in range(6)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:]))
        return "  ".join([first, *rest])

    return "\n".join([line(header), *(line(row) for row in rows)])


def _mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    # The machine is shared: low priority, and the test runs see the dev profile.
    environment = {**os.environ, "HYPOTHESIS_PROFILE": "dev"}
    command = ["nice", "-n", "10", sys.executable, "-m", "mutmut", *args]
    capture = args[0] == "results"
    return subprocess.run(command, env=environment, text=True, capture_output=capture, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--recheck", action="store_true", help="rerun only the last survivors")
    mode.add_argument("--report", action="store_true", help="print the last run's score")
    parser.add_argument("--max-children", type=int, default=2, help="mutmut processes (2)")
    parser.add_argument("--fail-under", type=float, default=DEFAULT_FAIL_UNDER)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GLOB",
        help="only the mutants whose name matches (repeatable); keeps the last run's copy",
    )
    options = parser.parse_args(argv)

    try:
        equivalent = parse_equivalent(EQUIVALENT_FILE.read_text(encoding="utf-8"))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    children = f"--max-children={options.max_children}"
    if options.recheck:
        last = selected(parse_results(_mutmut("results", "--all", "true").stdout), options.only)
        rerun = [name for name, status in last.items() if status not in CAUGHT]
        if rerun and _mutmut("run", children, *rerun).returncode != 0:
            return 2
        # Then whatever mutmut itself no longer trusts (changed functions, or
        # timeouts after a new timeout setting) and left unchecked.
        if not options.only and _mutmut("run", children).returncode != 0:
            return 2
    elif options.only and not options.report:
        # mutmut reruns every mutant it is given by name, whatever its last
        # verdict; the copy and its test map are kept, so this is quick.
        if _mutmut("run", children, *options.only).returncode != 0:
            return 2
    elif not options.report:
        # A fresh copy: mutmut keeps old verdicts while only the tests change.
        shutil.rmtree(MUTANTS_FOLDER, ignore_errors=True)
        if _mutmut("run", children).returncode != 0:
            return 2
    statuses = selected(parse_results(_mutmut("results", "--all", "true").stdout), options.only)
    equivalent = selected(equivalent, options.only)
    if not statuses:
        print("no mutmut results; run `python -m tests.mutation` first", file=sys.stderr)
        return 2

    table = scores(statuses, equivalent)
    print(format_table(table))
    survivors = overall(table).survivors
    if survivors:
        print("\nsurviving mutants (see one with `mutmut show NAME`):")
        print("\n".join(f"  {name}: {statuses[name]}" for name in survivors))
    problems = stale_entries(statuses, equivalent)
    if problems:
        print(f"\n{EQUIVALENT_FILE} is out of date:")
        print("\n".join(f"  {problem}" for problem in problems))
    shown = short_names([row.module for row in table])
    below = [shown[row.module] for row in table if row.score < options.fail_under]
    if below:
        print(f"\nunder {options.fail_under:g} %: {', '.join(below)}")
    return 1 if problems or below else 0
