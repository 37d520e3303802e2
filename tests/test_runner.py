from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from icpp_sizer_check.canister import WASM32, WASM64
from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.errors import Position, Problem
from icpp_sizer_check.exit_codes import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.results import ConfigResult, ModelStatus
from icpp_sizer_check.runner import run
from icpp_sizer_check.runtimes.icpp_llama2.messages import Llama2Account
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Remedy
from tests.fixtures import CONFIG, DATA, DOCUMENT, GOLDEN, edit, git


def test_missing_then_written_then_up_to_date(project: Path) -> None:
    first = run([CONFIG])
    assert first.configs[0].document_status == DocumentStatus.MISSING
    assert first.exit_code == EXIT_CHECK_FAILED
    written = run([CONFIG], write=True)
    assert written.configs[0].document_status == DocumentStatus.WRITTEN
    assert written.exit_code == EXIT_OK
    assert DOCUMENT.read_bytes() == GOLDEN.read_bytes()
    again = run([CONFIG], write=True)
    assert again.configs[0].document_status == DocumentStatus.UP_TO_DATE


def test_exit_non_zero_on_write_fails_a_run_that_wrote(project: Path) -> None:
    created = run([CONFIG], write=True, exit_non_zero_on_write=True)
    assert created.configs[0].document_status == DocumentStatus.WRITTEN
    assert created.exit_code == EXIT_CHECK_FAILED
    edit(project / CONFIG, "seq_len: 256", "seq_len: 512")
    changed = run([CONFIG], write=True, exit_non_zero_on_write=True)
    assert changed.configs[0].document_status == DocumentStatus.WRITTEN
    assert changed.exit_code == EXIT_CHECK_FAILED
    unchanged = run([CONFIG], write=True, exit_non_zero_on_write=True)
    assert unchanged.configs[0].document_status == DocumentStatus.UP_TO_DATE
    assert unchanged.exit_code == EXIT_OK


def test_model_results_carry_users_thresholds_and_status(committed: Path) -> None:
    result = run([CONFIG])
    models = result.configs[0].models
    assert [(m.name, *m.margin, m.status) for m in models] == [
        ("260K", 4760, 1, ModelStatus.OK),
        ("15M", 847, 1, ModelStatus.OK),
        ("42M", 88, 1, ModelStatus.OK),
        ("110M", 35, 1, ModelStatus.OK),
    ]
    assert models[3].position is not None and models[3].position.line == 35


def test_threshold_and_does_not_fit_statuses(project: Path) -> None:
    edit(project / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 50")
    edit(project / CONFIG, "memory_mib: 3072", "memory_mib: 300")
    result = run([CONFIG], write=True)
    statuses = {m.name: m.status for m in result.configs[0].models}
    assert statuses == {
        "260K": ModelStatus.OK,
        "15M": ModelStatus.OK,
        "42M": ModelStatus.BELOW_THRESHOLD,
        "110M": ModelStatus.DOES_NOT_FIT,
    }
    assert result.exit_code == EXIT_CHECK_FAILED


def _remedies(config: ConfigResult) -> list[Remedy]:
    """The remedies of a config's icpp_llama2 models that fail."""
    accounts = [model.account for model in config.models]
    return [a.fix for a in accounts if isinstance(a, Llama2Account) and a.fix is not None]


def test_remedies_aim_no_higher_than_the_cap_of_the_configs_target(project: Path) -> None:
    # 60 users of 110M need 4844 MiB: beyond a wasm32 heap, within a wasm64 one.
    edit(project / CONFIG, "min_concurrent_users: 1", "min_concurrent_users: 60")
    wasm32 = run([CONFIG], write=True).configs[0]
    assert wasm32.target == WASM32
    (fix,) = _remedies(wasm32)
    assert (fix.cap_mib, fix.memory_mib, fix.users_at_cap, fix.canisters) == (4096, None, 49, 2)
    edit(project / CONFIG, "memory_mib: 3072", "memory_mib: 3072\n  wasm: wasm64")
    wasm64 = run([CONFIG], write=True).configs[0]
    assert wasm64.target == WASM64
    (fix,) = _remedies(wasm64)
    assert (fix.cap_mib, fix.memory_mib, fix.users_at_cap, fix.canisters) == (6144, 4844, 78, 1)


def test_stale_document_has_a_diff_and_a_fix_command(committed: Path) -> None:
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 512")
    config = run([CONFIG]).configs[0]
    assert config.document_status == DocumentStatus.STALE
    assert "+Max number of concurrent users | 4760 | 431 | 88 | 35" in config.diff
    assert say.fix_command(config) == "icpp-sizer-check --write --config configs/icpp_llama2.yaml"


def test_one_bad_config_means_nothing_is_written(project: Path) -> None:
    bad = DATA / "configs" / "bad" / "zero_value.yaml"
    result = run([CONFIG, bad], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert not DOCUMENT.exists()
    assert result.configs[0].document_status == DocumentStatus.MISSING


def test_two_configs_may_not_share_one_document(project: Path) -> None:
    shutil.copy(project / CONFIG, project / "configs" / "copy.yaml")
    result = run([CONFIG, Path("configs/copy.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "is also the output of configs/icpp_llama2.yaml" in str(result.problems[0])
    assert not DOCUMENT.exists()


def test_an_output_that_is_a_folder_is_a_clear_error(project: Path) -> None:
    DOCUMENT.mkdir()
    result = run([CONFIG])
    assert result.exit_code == EXIT_BAD_INPUT
    assert str(result.problems[0]) == (
        "configs/icpp_llama2.yaml:6:9: output: "
        "'README_icpp_llama2_resource_requirements.md' is a folder; name a Markdown file"
    )


def test_an_output_under_a_file_is_a_clear_error(project: Path) -> None:
    (project / "configs" / "blocker").write_text("a file where a folder should be\n")
    edit(project / CONFIG, "output: README_", "output: blocker/README_")
    result = run([CONFIG], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.problems == [
        Problem(
            "configs/icpp_llama2.yaml",
            "cannot read output configs/blocker/README_icpp_llama2_resource_requirements.md: "
            "Not a directory",
            location=str(project / CONFIG),  # where annotations name it from
        )
    ]


# ---- what a run may touch -------------------------------------------------------------


def _second_config(project: Path, output: str, name: str = "other.yaml") -> Path:
    text = (project / CONFIG).read_text()
    other = project / "configs" / name
    other.write_text(text.replace(f"output: {DOCUMENT.name}", f"output: {output}"))
    return other


def test_an_output_that_is_a_config_of_the_run_is_refused_unread(project: Path) -> None:
    # A config may have any name on the command line, .md included.
    disguised = project / "configs" / "notes.md"
    disguised.write_text(
        (project / CONFIG).read_text().replace(DOCUMENT.name, "notes-sizes.md")
        + "# secret: do-not-print\n"
    )
    _second_config(project, "notes.md")
    result = run([CONFIG, Path("configs/notes.md"), Path("configs/other.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    [problem] = result.problems
    assert str(problem) == (
        "configs/other.yaml:6:9: output: 'configs/notes.md' is the config configs/notes.md; "
        "name a Markdown document"
    )
    assert "do-not-print" not in str(problem)
    assert [config.config_file for config in result.configs] == [
        "configs/icpp_llama2.yaml",
        "configs/notes.md",
    ]
    assert "# secret: do-not-print" in disguised.read_text()


def test_an_output_that_is_a_checkpoint_of_the_run_is_refused(project: Path) -> None:
    from tests.runtimes.icpp_llama2.test_checkpoint import STORIES_15M, legacy

    (project / "configs" / "weights.md").write_bytes(legacy(STORIES_15M))
    (project / "configs" / "llm.yaml").write_text(
        "output: weights.md\nmodels:\n  - name: 15M\n    checkpoint: weights.md\n"
    )
    result = run([Path("configs/llm.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "is the checkpoint of model 15M in configs/llm.yaml" in str(result.problems[0])
    assert (project / "configs" / "weights.md").read_bytes() == legacy(STORIES_15M)


def test_two_configs_with_one_output_are_refused_at_the_output_line(project: Path) -> None:
    _second_config(project, DOCUMENT.name)
    result = run([CONFIG, Path("configs/other.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert str(result.problems[0]).startswith(
        f"configs/other.yaml:6:9: output: '{DOCUMENT.as_posix()}' is also the output of "
        "configs/icpp_llama2.yaml"
    )
    assert not DOCUMENT.exists()


def test_the_same_config_named_twice_is_checked_once(committed: Path) -> None:
    result = run([CONFIG, Path("./configs/icpp_llama2.yaml"), CONFIG.resolve()])
    assert result.exit_code == EXIT_OK
    assert len(result.configs) == 1
    assert result.config_files == ["configs/icpp_llama2.yaml"]


def test_a_document_too_large_to_be_one_is_an_error(project: Path) -> None:
    from icpp_sizer_check.paths import MAX_DOCUMENT_BYTES

    DOCUMENT.write_bytes(b"x | 1\n" * (MAX_DOCUMENT_BYTES // 6 + 1))
    result = run([CONFIG], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "is larger than 2 MiB, far beyond any sizing document" in str(result.problems[0])
    assert DOCUMENT.stat().st_size > MAX_DOCUMENT_BYTES  # nothing written


def test_a_check_clears_the_temp_files_of_killed_writers(committed: Path) -> None:
    leftover = DOCUMENT.parent / f".{DOCUMENT.name}.999999999.abc123.tmp"
    leftover.write_text("half a document")
    assert run([CONFIG]).exit_code == EXIT_OK
    assert not leftover.exists()


def test_the_replay_inputs_are_the_bytes_the_check_used(committed: Path) -> None:
    from icpp_sizer_check import cache

    config = run([CONFIG]).configs[0]
    assert config.inputs.config_digest == cache.digest([CONFIG.read_bytes()])
    [document] = config.inputs.reads
    assert document.digest == cache.digest([GOLDEN.read_bytes()])
    assert document.real == str(DOCUMENT.resolve())


def test_an_output_inside_another_output_is_refused(project: Path) -> None:
    _second_config(project, f"{DOCUMENT.name}/nested.md")
    result = run([CONFIG, Path("configs/other.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert str(result.problems[0]) == (
        f"configs/icpp_llama2.yaml:6:9: output: '{DOCUMENT.as_posix()}' is the folder of "
        "another config's output; give each config its own document"
    )
    assert result.problems[0].location == str(project / CONFIG)  # the config whose output it is
    assert not DOCUMENT.exists()


def test_nothing_is_written_when_any_document_cannot_be(project: Path) -> None:
    (project / "configs" / "blocker").write_text("a file where a folder would go\n")
    _second_config(project, "blocker/nested.md")
    result = run([CONFIG, Path("configs/other.yaml")], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "cannot read output configs/blocker/nested.md: Not a directory" in (
        str(result.problems[0])
    )
    assert result.write_refused
    assert not DOCUMENT.exists()


def test_a_hard_linked_config_named_twice_is_checked_once(committed: Path) -> None:
    os.link(CONFIG, "configs/twin.yaml")
    result = run([CONFIG, Path("configs/twin.yaml")])
    assert result.exit_code == EXIT_OK
    assert len(result.configs) == 1


def test_a_hard_link_in_another_folder_is_another_config(committed: Path) -> None:
    """Its relative output starts from its own folder: another document, whose
    staleness must fail the run however the two configs share their bytes."""
    (committed / "other").mkdir()
    os.link(CONFIG, "other/icpp_llama2.yaml")
    (committed / "other" / DOCUMENT.name).write_text("stale\n")
    result = run([CONFIG, Path("other/icpp_llama2.yaml")])
    assert result.exit_code == EXIT_CHECK_FAILED
    assert [config.document_status for config in result.configs] == [
        DocumentStatus.UP_TO_DATE,
        DocumentStatus.STALE,
    ]


def test_a_config_named_through_a_symlinked_folder_is_checked_once(committed: Path) -> None:
    (committed / "linked").symlink_to("configs")
    result = run([CONFIG, Path("linked/icpp_llama2.yaml"), Path("./configs/../" + str(CONFIG))])
    assert result.exit_code == EXIT_OK
    assert len(result.configs) == 1


def test_a_leftover_named_with_an_impossible_pid_is_no_crash(committed: Path) -> None:
    odd = DOCUMENT.parent / f".{DOCUMENT.name}.99999999999999999999.x.tmp"
    odd.write_text("not ours")
    assert run([CONFIG]).exit_code == EXIT_OK
    assert odd.exists()  # not a temp file this tool could have made


def test_a_staged_document_that_is_no_file_is_refused(repository: Path) -> None:
    from icpp_sizer_check.sources import Index

    shutil.copy(GOLDEN, repository / DOCUMENT)
    git(repository, "add", CONFIG.as_posix())
    blob = git(repository, "hash-object", "-w", DOCUMENT.as_posix())
    entries = "".join(f"100644 {blob} {stage}\t{DOCUMENT.as_posix()}\n" for stage in (1, 2, 3))
    git(repository, "update-index", "--index-info", stdin=entries.encode())
    result = run([CONFIG], write=True, source=Index())
    assert (result.exit_code, result.write_refused) == (EXIT_BAD_INPUT, True)
    assert result.problems == [
        Problem(
            CONFIG.as_posix(),
            f"'{DOCUMENT.as_posix()}' has an unresolved merge conflict in the index; "
            f"resolve the conflict, then stage the result with: git add {DOCUMENT.as_posix()}",
            Position(6, 9),
            "output",
            str(repository / CONFIG),
        )
    ]


def test_a_staged_document_too_large_is_named_with_its_size(repository: Path) -> None:
    from icpp_sizer_check.sources import Index

    (repository / DOCUMENT).write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    git(repository, "add", "-A")
    shutil.copy(GOLDEN, repository / DOCUMENT)
    (problem,) = run([CONFIG], source=Index()).problems
    assert problem.message == (
        f"'{DOCUMENT.as_posix()}' is staged at 2097153 bytes, far beyond any sizing document; "
        "run the fix command, then stage the result"
    )


def test_a_config_comparing_content_accepts_a_reformatted_document(project: Path) -> None:
    edit(project / CONFIG, "output:", "compare: content\noutput:")
    assert run([CONFIG], write=True).exit_code == EXIT_OK
    # As a formatter pads a table: the same cells, other spaces.
    DOCUMENT.write_text(DOCUMENT.read_text().replace("| ", "|  "))
    (config,) = run([CONFIG]).configs
    assert config.document_status == DocumentStatus.UP_TO_DATE
    edit(project / CONFIG, "compare: content\n", "")
    (config,) = run([CONFIG]).configs
    assert config.document_status == DocumentStatus.STALE


def test_a_document_may_be_as_large_as_a_check_reads_and_no_larger(project: Path) -> None:
    from icpp_sizer_check.config.load import load_config
    from icpp_sizer_check.paths import MAX_DOCUMENT_BYTES
    from icpp_sizer_check.runner import _too_large

    config = load_config(CONFIG)
    assert _too_large(config, MAX_DOCUMENT_BYTES) is None
    problem = _too_large(config, MAX_DOCUMENT_BYTES + 1)
    assert problem is not None and problem.message == (
        f"'{DOCUMENT.as_posix()}' would be 2.00 MiB, above the 2 MiB a check reads of a "
        "sizing document: shorten the model names, or list fewer models"  # compact already
    )


def test_configs_after_a_refused_output_are_still_checked(project: Path) -> None:
    _second_config(project, DOCUMENT.name, "b.yaml")  # also CONFIG's output: refused
    _second_config(project, "c.md", "c.yaml")
    paths = [CONFIG, Path("configs/b.yaml"), Path("configs/c.yaml")]
    result = run(paths)
    assert [config.config_file for config in result.configs] == [
        "configs/icpp_llama2.yaml",
        "configs/c.yaml",
    ]
    assert "is also the output of" in str(result.problems[0])


def test_a_config_that_fails_to_load_is_listed_as_named(project: Path) -> None:
    result = run([CONFIG, Path("configs/missing.yaml")])
    assert result.config_files == ["configs/icpp_llama2.yaml", "configs/missing.yaml"]


def test_a_run_fills_the_validation_cache_by_default(
    project: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))  # beside the project, not in it
    run([CONFIG])
    assert len(list((home / "icpp-sizer-check" / "validated").glob("*/*"))) == 1


def test_a_document_that_cannot_be_written_is_named_with_its_config(project: Path) -> None:
    # Room for the document's name, not for the longer name of the temp file
    # it is written through.
    name = "a" * 240 + ".md"
    edit(project / CONFIG, f"output: {DOCUMENT.name}", f"output: {name}")
    result = run([CONFIG], write=True)
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.problems == [
        Problem(
            "configs/icpp_llama2.yaml",
            f"cannot write output configs/{name}: File name too long",
            location=str(project / CONFIG),
        )
    ]
    assert result.configs == []


def test_a_document_that_cannot_be_written_stops_no_other_write(project: Path) -> None:
    _second_config(project, "a" * 240 + ".md", "a.yaml")  # a name with no room for a temp file
    result = run([Path("configs/a.yaml"), CONFIG], write=True)
    assert "File name too long" in str(result.problems[0])
    assert [config.config_file for config in result.configs] == ["configs/icpp_llama2.yaml"]
    assert DOCUMENT.read_bytes() == GOLDEN.read_bytes()
