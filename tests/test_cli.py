from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from icpp_sizer_check import __version__
from tests.fixtures import (
    BAD_CONFIGS,
    CONFIG,
    DOCUMENT,
    GOLDEN,
    GOOD_CONFIGS,
    Run,
    clean_env,
    edit,
    expectation,
    probe,
    run_in_actions,
    run_process,
)


def test_check_passes_with_one_line(committed: Path, run: Run) -> None:
    outcome = run()
    assert outcome.code == 0
    assert outcome.out.count("\n") == 1
    assert "is up to date; smallest headroom: 110M serves 35 users" in outcome.out
    assert outcome.err == ""


def test_changed_model_fails_with_a_diff_of_the_changed_rows(committed: Path, run: Run) -> None:
    edit(committed / CONFIG, "hidden_dim: 1376", "hidden_dim: 1400")
    outcome = run()
    assert outcome.code == 1
    assert "--- configs/README_icpp_llama2_resource_requirements.md (committed)" in outcome.out
    assert "+++ configs/README_icpp_llama2_resource_requirements.md (regenerated)" in outcome.out
    assert "\n-w1 | 0.21 | 5.06 | 21.50 | 72.00\n" in outcome.out
    assert "\n+w1 | 0.21 | 5.06 | 21.88 | 72.00\n" in outcome.out
    changed_rows = {
        line[1:].split(" | ")[0]
        for line in outcome.out.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    }
    # Only the rows whose printed value changes; hb and the users round the same.
    assert changed_rows == {
        "w1",
        "w2",
        "w3",
        "Total",
        "Total TransformerWeights Memory (per model)",
        "Overall Total Memory",
    }
    assert outcome.out.rstrip().endswith(
        "is stale; fix it with: icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    )


def test_missing_document_fails(project: Path, run: Run) -> None:
    outcome = run()
    assert outcome.code == 1
    assert "README_icpp_llama2_resource_requirements.md is missing; create it with:" in outcome.out


def test_threshold_failure_names_config_model_users_threshold_and_shortfall(
    committed: Path, run: Run
) -> None:
    edit(
        committed / CONFIG,
        "    seq_len: 1024\n",
        "    seq_len: 1024\n    min_concurrent_users: 90\n",
    )
    outcome = run()
    assert outcome.code == 1
    assert (
        "configs/icpp_llama2.yaml:27:5: model 42M serves 88 concurrent users, below its "
        "threshold of 90 (short by 2)\n"
    ) in outcome.out
    assert "is stale" not in outcome.out


def test_model_that_does_not_fit_always_fails(project: Path, run: Run) -> None:
    edit(project / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 0")
    edit(project / CONFIG, "memory_mib: 3072", "memory_mib: 200")
    outcome = run("--write")
    assert outcome.code == 1
    assert "model 110M does not fit" in outcome.out
    # The document prints what the original sizer printed: int() of the quotient,
    # truncated toward zero (42M misses by less than one user's run state, 110M
    # by more than four); the check itself counts 0 users for both.
    assert "Max number of concurrent users | 308 | 30 | 0 | -4" in DOCUMENT.read_text()
    report = json.loads(run("--format", "json").out)
    users = {model["name"]: model["users"] for model in report["configs"][0]["models"]}
    assert users == {"260K": 308, "15M": 30, "42M": 0, "110M": 0}
    assert "model 42M does not fit" in run().out


@pytest.mark.parametrize("path", GOOD_CONFIGS, ids=lambda p: p.name)
def test_write_then_check_for_every_good_config(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)  # outside git, the current folder is the project root
    shutil.copy(path, tmp_path / path.name)
    expected = expectation(path)
    written = run("--write", "--config", path.name)
    assert written.code == expected.exit_code, written.err
    checked = run("--config", path.name)
    assert checked.code == expected.exit_code
    assert "is stale" not in checked.out and checked.err == ""
    assert any(
        line.startswith(expected.line_prefix(path.name)) and expected.message in line
        for line in checked.out.splitlines()
    ), checked.out


def test_write_touches_only_documents_that_change(committed: Path, run: Run) -> None:
    before = (committed / DOCUMENT).stat().st_mtime_ns
    os.utime(committed / DOCUMENT, ns=(before - 10**9, before - 10**9))
    outcome = run("--write")
    assert outcome.code == 0
    assert (committed / DOCUMENT).stat().st_mtime_ns == before - 10**9


def test_write_fixes_a_stale_document(committed: Path, run: Run) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 128")
    assert run().code == 1
    outcome = run("--write")
    assert outcome.code == 0
    assert "wrote configs/README_icpp_llama2_resource_requirements.md" in outcome.out
    assert run().code == 0


@pytest.mark.parametrize(
    ("options", "exit_code"),
    [((), 0), (("--exit-non-zero-on-write",), 1)],
    ids=["--write", "--write --exit-non-zero-on-write"],
)
def test_writing_a_missing_document_exits_1_only_when_asked(
    project: Path, run: Run, options: tuple[str, ...], exit_code: int
) -> None:
    outcome = run("--write", *options)
    assert outcome.code == exit_code, outcome.err
    assert "wrote configs/README_icpp_llama2_resource_requirements.md" in outcome.out
    assert (project / DOCUMENT).read_bytes() == GOLDEN.read_bytes()
    # Nothing left to write: the same command line passes.
    assert run("--write", *options).code == 0


@pytest.mark.parametrize(
    ("options", "exit_code"),
    [((), 0), (("--exit-non-zero-on-write",), 1)],
    ids=["--write", "--write --exit-non-zero-on-write"],
)
def test_rewriting_a_stale_document_exits_1_only_when_asked(
    committed: Path, run: Run, options: tuple[str, ...], exit_code: int
) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    outcome = run("--write", *options)
    assert outcome.code == exit_code, outcome.err
    assert "wrote configs/README_icpp_llama2_resource_requirements.md" in outcome.out
    assert "| 4760 | 431 | 88 | 35" in (committed / DOCUMENT).read_text()
    assert run("--write", *options).code == 0


def test_a_write_that_fails_a_threshold_exits_1_either_way(committed: Path, run: Run) -> None:
    edit(committed / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 40")
    for options in ((), ("--exit-non-zero-on-write",)):
        assert run("--write", *options).code == 1


def test_exit_non_zero_on_write_needs_write(committed: Path, run: Run) -> None:
    outcome = run("--exit-non-zero-on-write")
    assert outcome.code == 2
    assert "--exit-non-zero-on-write needs --write" in outcome.err


def test_every_problem_of_every_config_in_one_run(committed: Path, run: Run) -> None:
    second = committed / "configs" / "second.yaml"
    second.write_text((committed / CONFIG).read_text().replace("README_", "SECOND_"))
    shutil.copy(DATA_BAD("zero_value"), committed / "configs" / "third.yaml")
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 128")
    outcome = run()
    assert outcome.code == 2
    assert "configs/README_icpp_llama2_resource_requirements.md is stale" in outcome.out
    assert "configs/SECOND_icpp_llama2_resource_requirements.md is missing" in outcome.out
    assert "configs/third.yaml:9:17: models[0].n_kv_heads: must be at least 1" in outcome.err


def DATA_BAD(stem: str) -> Path:
    (path,) = [p for p in BAD_CONFIGS if p.stem == stem]
    return path


# tests/test_config.py loads every bad config; through the command line, one or
# two of each kind is enough to prove the exit code, the lines and that nothing
# is written.
CLI_SAMPLE = [
    "yaml_unclosed_quote",  # YAML syntax
    "wrong_type_string",  # the schema
    "dim_not_divisible",  # semantics, beyond the schema
    "not_utf8",  # not UTF-8, at a position
    "utf16",  # not UTF-8, its expectation in utf16.yaml.expect
    "empty",  # a problem with no position
    "output_climbs_out",  # an output refused: out of the repository
    "output_in_git",  # an output refused: inside .git/
]


@pytest.mark.parametrize("path", [DATA_BAD(stem) for stem in CLI_SAMPLE], ids=CLI_SAMPLE)
def test_bad_config_exits_2_with_one_line_per_problem_and_writes_nothing(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(path, tmp_path / path.name)
    expected = expectation(path)
    outcome = run("--write", "--config", path.name)
    assert outcome.code == expected.exit_code == 2
    assert outcome.out == ""
    assert "Traceback" not in outcome.err
    *problems, last = outcome.err.splitlines()
    assert last == "nothing written: fix the errors above, then run again"
    assert any(
        line.startswith(expected.line_prefix(path.name)) and expected.message in line
        for line in problems
    ), problems
    assert all(line.startswith(f"{path.name}:") for line in problems)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_no_configs_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = run()
    assert outcome.code == 2
    assert "no ./configs/ folder here" in outcome.err


def test_empty_configs_folder_is_a_usage_error(project: Path, run: Run) -> None:
    (project / CONFIG).unlink()
    outcome = run()
    assert outcome.code == 2
    assert "no *.yaml or *.yml files in ./configs/" in outcome.err


def test_missing_config_file_is_exit_2(project: Path, run: Run) -> None:
    outcome = run("--config", "configs/nope.yaml")
    assert outcome.code == 2
    assert outcome.err.startswith("configs/nope.yaml: cannot read the config: No such file")


def test_version_and_help(run: Run) -> None:
    version = run("--version")
    assert (version.code, version.out) == (0, f"icpp-sizer-check {__version__}\n")
    helped = run("--help")
    assert helped.code == 0
    assert "icpp-sizer-check --config configs/icpp_llama2.yaml" in helped.out
    assert "exit codes:" in helped.out


def test_print_schema_writes_the_shipped_schema_and_nothing_else(tmp_path: Path) -> None:
    """Run where there is no config at all: the schema needs none."""
    shipped = Path(__file__).resolve().parent.parent / "icpp_sizer_check" / "schemas"
    completed = subprocess.run(
        [sys.executable, "-m", "icpp_sizer_check", "--print-schema"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (0, b"")
    assert completed.stdout == (shipped / "config.schema.json").read_bytes()
    assert json.loads(completed.stdout)["$id"] == "urn:icpp-sizer-check:config-schema"
    assert not list(tmp_path.iterdir())  # nothing written


def test_print_schema_loads_neither_yaml_nor_jsonschema(tmp_path: Path) -> None:
    printed = probe(tmp_path, tmp_path / "cache", "--print-schema")
    assert printed.code == 0
    assert printed.loaded == frozenset()


def test_unknown_option_is_a_usage_error(run: Run) -> None:
    outcome = run("--frobnicate")
    assert outcome.code == 2
    assert "unrecognized arguments: --frobnicate" in outcome.err


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "icpp_sizer_check"],
        [str(Path(sys.executable).parent / "icpp-sizer-check")],
    ],
    ids=["python -m", "console script"],
)
def test_installed_entry_points(committed: Path, command: list[str]) -> None:
    ok = subprocess.run(command, capture_output=True, text=True, env=clean_env(), check=False)
    assert ok.returncode == 0, ok.stderr
    assert "is up to date" in ok.stdout
    (committed / CONFIG).write_text("models: [\n")
    bad = subprocess.run(command, capture_output=True, text=True, env=clean_env(), check=False)
    assert bad.returncode == 2
    assert bad.stderr.startswith("configs/icpp_llama2.yaml:2:1: YAML syntax error")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "argv",
    [[], ["--config", "configs/a.yaml"], ["--config=a.yaml", "--config", "b.yml"]],
)
def test_the_plain_command_line_parses_as_argparse_would(argv: list[str]) -> None:
    from icpp_sizer_check.cli.arguments import Options, build_parser, parse

    quick = parse(argv)
    assert isinstance(quick, Options)
    full = Options(**vars(build_parser().parse_args(argv)))
    assert vars(quick) == vars(full)


def test_help_lists_every_exit_code_and_variable(run: Run) -> None:
    from icpp_sizer_check.cli.arguments import ENVIRONMENT
    from icpp_sizer_check.exit_codes import EXIT_CODES

    helped = run("--help").out
    assert [code for code, _ in EXIT_CODES] == [0, 1, 2, 3]
    for code, meaning in EXIT_CODES:
        assert f"  {code}  {meaning[:30]}" in helped
    for name, _ in ENVIRONMENT:
        assert name in helped
    assert "ICPP_SIZER_CHECK_NO_CACHE" in helped
    assert "never replay" in " ".join(helped.split())


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_a_closed_stdout_ends_quietly(committed: Path, output_format: str) -> None:
    # A stale document makes a long report; the reader takes one byte and leaves.
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    process = subprocess.Popen(
        [sys.executable, "-m", "icpp_sizer_check", "--format", output_format],
        cwd=committed,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait() in (0, 1)
    assert errors == ""


def test_a_stdout_that_cannot_show_arrows_gets_ascii(committed: Path) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    completed = subprocess.run(
        [sys.executable, "-m", "icpp_sizer_check"],
        cwd=committed,
        env={**clean_env(), "PYTHONIOENCODING": "cp1252"},
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 1
    assert b"15M \xb7 key_cache: 1.69 -> 3.38 MB" in completed.stdout  # cp1252 has the dot
    assert b"Traceback" not in completed.stderr
    ascii_only = subprocess.run(
        [sys.executable, "-m", "icpp_sizer_check"],
        cwd=committed,
        env={**clean_env(), "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        check=False,
    )
    assert ascii_only.returncode == 1
    assert b"15M - key_cache: 1.69 -> 3.38 MB" in ascii_only.stdout


def test_explicit_format_wins_over_github_actions(committed: Path) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    completed = run_in_actions(committed, "--format", "text")
    assert "::error" not in completed.stdout
    assert not (committed / "summary.md").exists()


def test_text_stays_the_default_outside_actions(committed: Path) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    completed = run_process(committed)
    assert completed.returncode == 1
    assert "::" not in completed.stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(
    ("no_color", "args", "coloured"),
    [
        ("", [], True),
        ("1", [], False),
        ("1", ["--color", "always"], True),
        ("", ["--color", "never"], False),
    ],
)
def test_colour_on_a_real_terminal_respects_no_color(
    committed: Path, no_color: str, args: list[str], coloured: bool
) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    env = clean_env()
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm"
    if no_color:
        env["NO_COLOR"] = no_color
    leader, follower = os.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "icpp_sizer_check", *args],
            cwd=committed,
            env=env,
            stdout=follower,
            stderr=subprocess.PIPE,
            check=False,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the terminal has nothing more
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert process.returncode == 1
    assert (b"\033[32m" in b"".join(chunks)) is coloured


def test_terminal_escapes_from_a_document_or_a_file_name_are_shown_not_sent(
    committed: Path, run: Run
) -> None:
    document = committed / DOCUMENT
    document.write_bytes(document.read_bytes().replace(b"| 847", b"| 847\x1b[2J\x1b]0;pwned\x07"))
    outcome = run("--color", "always")
    assert outcome.code == 1
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in outcome.out
    assert "\x1b[2J" not in outcome.out and "\x07" not in outcome.out
    (committed / CONFIG).rename(committed / "configs" / "\x1b[31mred.yaml")
    named = run()
    assert "configs/\\x1b[31mred.yaml" in named.out + named.err
    assert "\x1b[31m" not in named.out + named.err


def test_a_closed_or_full_stdout_is_no_crash(committed: Path) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    command = f"{sys.executable} -m icpp_sizer_check"
    closed = subprocess.run(
        ["sh", "-c", f"{command} >&-"], cwd=committed, env=clean_env(), capture_output=True
    )
    assert closed.returncode == 1
    assert b"Traceback" not in closed.stderr
    full = subprocess.run(
        ["sh", "-c", f"{command} >/dev/full"], cwd=committed, env=clean_env(), capture_output=True
    )
    assert full.returncode == 2
    assert full.stderr.endswith(b"cannot write the report: No space left on device\n")


def test_a_configs_folder_that_cannot_be_listed_is_a_usage_error(project: Path, run: Run) -> None:
    shutil.rmtree(project / "configs")
    (project / "configs").symlink_to("configs")
    outcome = run()
    assert outcome.code == 2
    assert "cannot list ./configs/: Too many levels of symbolic links" in outcome.err


def test_argument_errors_show_escapes_not_raw_control_characters(run: Run) -> None:
    outcome = run("--frob\x1b[2J\x07")
    assert outcome.code == 2
    assert "--frob\\x1b[2J\\x07" in outcome.err
    assert "\x1b" not in outcome.err


def test_a_config_with_hundreds_of_problems_reports_the_first_fifty(
    project: Path, run: Run
) -> None:
    from icpp_sizer_check.errors import MAX_PROBLEMS_SHOWN

    keys = "".join(f"unknown_{index}: 1\n" for index in range(200))
    (project / CONFIG).write_text((project / CONFIG).read_text() + keys)
    outcome = run()
    lines = outcome.err.splitlines()
    assert outcome.code == 2
    assert len(lines) == MAX_PROBLEMS_SHOWN == 50
    assert lines[-1] == "configs/icpp_llama2.yaml: ... and 151 more problems; fix these first"


def test_staged_judges_the_commit_and_says_what_to_stage(repository: Path, run: Run) -> None:
    shutil.copy(GOLDEN, repository / DOCUMENT)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True)
    assert run("--staged").code == 0
    subprocess.run(["git", "rm", "-q", "--cached", str(DOCUMENT)], cwd=repository, check=True)
    assert run().code == 0  # the working tree still holds it
    outcome = run("--staged")
    assert outcome.code == 1
    assert outcome.out == (
        f"{CONFIG.as_posix()}: {DOCUMENT.as_posix()} is missing from the commit: the file on "
        f"disk is up to date but not staged; stage it with: git add {DOCUMENT.as_posix()}\n"
    )


def test_staged_finds_only_the_staged_configs(repository: Path, run: Run) -> None:
    outcome = run("--staged")  # configs/icpp_llama2.yaml is on disk, not staged
    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == (
        "icpp-sizer-check: error: no staged *.yaml or *.yml files in ./configs/; add a config "
        "or name one with --config FILE\n"
    )


def test_staged_outside_a_repository_is_a_usage_error(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    (project / ".git").rmdir()
    outcome = run("--staged")
    assert outcome.code == 2
    assert outcome.err.startswith(
        "icpp-sizer-check: error: --staged judges the commit being made, and git cannot read "
        "one here (fatal: not a git repository"
    )
    assert outcome.err.count("\n") == 1


def test_a_recorded_pass_is_never_replayed_for_a_staged_check(repository: Path, home: Path) -> None:
    shutil.copy(GOLDEN, repository / DOCUMENT)
    subprocess.run(["git", "add", str(CONFIG)], cwd=repository, check=True)
    env = {key: value for key, value in os.environ.items() if key.startswith("GIT_")}
    assert probe(repository, home, **env).code == 0  # recorded: the document is on disk
    assert probe(repository, home, **env).loaded == frozenset()  # and replayed
    staged = probe(repository, home, "--staged", **env)
    assert staged.code == 1
    assert "is missing from the commit" in staged.out


def test_help_describes_staged(run: Run) -> None:
    helped = " ".join(run("--help").out.split())
    assert "--staged judge the commit being made: each config and document as the git index" in (
        helped
    )


@pytest.mark.parametrize("actions", [False, True])
def test_a_bug_shows_its_traceback_escaped_and_inert(
    committed: Path, run: Run, monkeypatch: pytest.MonkeyPatch, actions: bool
) -> None:
    """A bug's traceback quotes what it was given: a name, a cell. It reaches the
    terminal with its controls escaped and, in a workflow log, acts as no command."""
    import icpp_sizer_check.runner

    def bug(*args: object, **kwargs: object) -> None:
        raise ValueError("'tiny\x1b[2J'\n::error::forged\n##[warning]forged")

    monkeypatch.setattr(icpp_sizer_check.runner, "run", bug)
    monkeypatch.setenv("GITHUB_ACTIONS", "true" if actions else "false")
    outcome = run("--format", "text")
    assert outcome.code == 3
    assert "\x1b" not in outcome.err and "tiny\\x1b[2J" in outcome.err
    lines = outcome.err.splitlines()
    assert lines[-1].endswith(
        "internal error (a bug in icpp-sizer-check " + __version__ + "); please report it"
    )
    assert "::error::forged" in lines
    if actions:
        start, end = lines[0], lines[-2]
        assert start.startswith("::stop-commands::") and end == f"::{start.split('::')[2]}::"
    else:
        assert lines[0] == "Traceback (most recent call last):"
