from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

from icpp_sizer_check.canister import WASM64
from icpp_sizer_check.compare import MAX_DIFF_LINES, DocumentStatus
from icpp_sizer_check.errors import Position, Problem
from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import json_format as json_report
from icpp_sizer_check.report.github import (
    STEP_SUMMARY_LIMIT,
    report,
    step_summary,
    workflow_command,
    workspace_path,
)
from icpp_sizer_check.report.step_summary import escaped_text
from icpp_sizer_check.results import ConfigResult, RunResult
from icpp_sizer_check.runner import run
from icpp_sizer_check.sources import Index
from tests.fixtures import (
    CONFIG,
    DATA,
    DOCUMENT,
    GOLDEN,
    REPO,
    REPO_CONFIG,
    STORIES_260K,
    clean_env,
    edit,
    git,
    run_in_actions,
    run_process,
)
from tests.report import workflow_runner
from tests.report.results import (
    COMMITTED,
    POSITIONS,
    REGENERATED_AT_512,
    comparison,
    config_result,
    model_result,
    run_result,
    stale_at_512,
    stories,
)

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def annotations(output: str) -> list[dict[str, str]]:
    found = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        if match is None:
            assert not line.startswith("::error"), f"malformed workflow command: {line}"
            continue
        properties = dict(pair.split("=", 1) for pair in match.group(2).split(","))
        found.append({"kind": match.group(1), **properties, "message": match.group(3)})
    return found


def line_of(text: str, annotation: dict[str, str]) -> str:
    """The line of ``text`` that ``annotation`` points at."""
    return text.splitlines()[int(annotation["line"]) - 1]


def logged(result: RunResult, summary: Path | None = None) -> str:
    """What the GitHub reporter prints for ``result`` (and appends to ``summary``)."""
    out, err = io.StringIO(), io.StringIO()
    report(result, Destination(out, err, step_summary=summary))
    assert err.getvalue() == ""
    return out.getvalue()


def test_escaping_follows_the_workflow_command_rules() -> None:
    command = workflow_command("error", "50% done\nnext", file="a,b:c.yaml", title="T: x", line=3)
    assert command == "::error file=a%2Cb%3Ac.yaml,line=3,title=T%3A x::50%25 done%0Anext"


def test_stale_document_and_threshold_are_annotated_at_the_right_lines() -> None:
    result = run_result([stale_at_512({"42M": 90})])
    assert result.exit_code == 1
    out = logged(result)
    found = annotations(out)
    assert [a["title"] for a in found] == ["Stale sizing document", "Too few concurrent users"]
    stale, threshold = found
    assert stale["file"] == DOCUMENT.as_posix()
    # The first differing line of the committed document: 15M's key_cache row.
    assert line_of(COMMITTED, stale) == "key_cache | 0.31 | 1.69 | 16.00 | 36.00"
    assert "is stale; fix it with: icpp-sizer-check --write --config" in stale["message"]
    assert threshold["message"].endswith(
        "%0Ato serve 90 users: seq_len at most 1007 (now 1024), "
        "or canister.memory_mib at least 3118 (now 3072)"
    )
    assert "%0A15M · Max number of concurrent users: 847 → 431" in stale["message"]
    assert threshold["file"] == CONFIG.as_posix()
    assert line_of(REPO_CONFIG.read_text(), threshold) == "  - name: 42M"
    assert threshold["col"] == "5"
    assert "::group::" in out and "::endgroup::" in out


def test_beyond_the_cap_the_annotation_and_the_summary_say_the_same(tmp_path: Path) -> None:
    config = config_result(
        DocumentStatus.WRITTEN, memory_mib=6144, target=WASM64, thresholds={"110M": 100}
    )
    result = run_result([config], write=True)
    assert result.exit_code == 1
    out = logged(result, tmp_path / "summary.md")
    remedy = (
        "to serve 100 users: no canister.memory_mib up to the wasm64 heap cap (6144 MiB) "
        "is enough: one canister of 6144 MiB serves 78 users; seq_len at most 798 (now 1024); "
        "or spread the users over 2 canisters of 6144 MiB"
    )
    last = annotations(out)[-1]
    assert (last["title"], last["line"]) == ("Too few concurrent users", "35")
    assert line_of(REPO_CONFIG.read_text(), last) == "  - name: 110M"
    assert last["message"] == (
        "model 110M serves 78 concurrent users, below its threshold of 100 (short by 22)%0A"
        + remedy
    )
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    # The same words, escaped for Markdown, the model's name as code.
    failure = escaped_text(" serves 78 concurrent users, below its threshold of 100 (short by 22)")
    assert (
        f"- `configs/icpp_llama2.yaml` model `110M`{failure}; {escaped_text(remedy)}\n"
    ) in summary


def test_config_errors_are_annotated_at_the_yaml_line() -> None:
    bad = DATA / "configs" / "bad" / "zero_value.yaml"
    problem = Problem(
        bad.relative_to(REPO).as_posix(),
        "must be at least 1, got 0",
        Position(9, 17),
        "models[0].n_kv_heads",
        str(bad),
    )
    result = run_result([], [problem])
    assert result.exit_code == 2
    (error,) = annotations(logged(result))
    assert error["title"] == "Invalid sizing config"
    assert error["file"] == "tests/data/configs/bad/zero_value.yaml"
    assert line_of(bad.read_text(), error) == "    n_kv_heads: 0"
    assert error["col"] == "17"
    assert error["message"] == "models[0].n_kv_heads: must be at least 1, got 0"


def test_step_summary_has_the_table_and_the_diff(tmp_path: Path) -> None:
    regenerated = REGENERATED_AT_512.replace("python -m scripts.icpp_llama2_sizer", "make sizes")
    (tmp_path / "summary.md").write_text("earlier step\n")
    logged(run_result([stale_at_512(regenerated=regenerated)]), tmp_path / "summary.md")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("earlier step\n## icpp-sizer-check: ❌ failed\n")
    assert "| Config | Document | Model | Has | Threshold | Status |" in summary
    assert (
        "| `configs/icpp_llama2.yaml` | `configs/README_icpp_llama2_resource_requirements.md` "
        "❌ stale | `15M` | 431 users | 1 | ✅ ok |"
    ) in summary
    # The diff holds ```bash lines, so its fence must be longer.
    assert (
        "\n````diff\n--- configs/README_icpp_llama2_resource_requirements.md (committed)" in summary
    )
    assert "\n ```bash\n-python -m scripts.icpp_llama2_sizer\n+make sizes\n" in summary
    assert "\n+Max number of concurrent users | 4760 | 431 | 88 | 35\n \n \n````\n" in summary


def test_success_is_plain_and_summarised(tmp_path: Path) -> None:
    result = run_result([config_result()])
    assert result.exit_code == 0
    out = logged(result, tmp_path / "summary.md")
    assert annotations(out) == []
    assert "is up to date; smallest headroom" in out
    assert "## icpp-sizer-check: ✅ passed" in (tmp_path / "summary.md").read_text(encoding="utf-8")


# Text a pull request controls, each line a workflow command if printed as it is.
HOSTILE_LINES = [
    "::set-output name=x::y",
    "::add-mask::hunter2",
    "::stop-commands::x",
    "##[error]boom",
    "  ::error::in a diff",
    "text\r::warning file=a.yaml::after a carriage return",
    "a ##[set-output name=legacy;]z",
    "::stop-commands::",
]
OUR_TITLES = {
    "Invalid sizing config",
    "Stale sizing document",
    "Missing sizing document",
    "Too few concurrent users",
    "Model does not fit",
}


def assert_only_our_commands(output: str) -> None:
    """The runner acts on our annotations, groups and stop/resume pairs, and on
    nothing else; and commands are back on at the end."""
    log = workflow_runner.read(output)
    assert not log.stopped, "workflow commands stay off for the rest of the job"
    tokens: list[str] = []
    for command in log.commands:
        name = command.name.lower()
        if name == "stop-commands":
            assert re.fullmatch(r"[0-9a-f]{32}", command.data), command.line
            tokens.append(command.data)
        elif tokens and name == tokens[-1]:
            tokens.pop()
        elif name == "error":
            assert command.properties.get("title") in OUR_TITLES, command.line
        else:
            assert name in ("group", "endgroup"), command.line
    assert len({command.data for command in log.commands if command.name == "stop-commands"}) == (
        sum(1 for command in log.commands if command.name == "stop-commands")
    ), "a token used twice"


def test_the_runner_model_sees_the_hostile_lines_as_commands() -> None:
    """The premise of the tests below: printed as they are, these lines act."""
    acted = [command.name for command in workflow_runner.read("\n".join(HOSTILE_LINES)).commands]
    assert acted == ["set-output", "add-mask", "stop-commands"]
    for line in HOSTILE_LINES[3:7]:
        assert workflow_runner.read(line).commands, line


def hostile_project(project: Path) -> None:
    """A stale committed document holding workflow commands, and a model whose
    name holds one."""
    shutil.copy(GOLDEN, project / DOCUMENT)
    text = (project / DOCUMENT).read_text()
    (project / DOCUMENT).write_text(
        text.replace("### Total Memory\n", "\n".join(HOSTILE_LINES) + "\n### Total Memory\n")
    )
    edit(project / CONFIG, "name: 260K", "name: '##[warning]260K'")
    edit(
        project / CONFIG, "command: python -m scripts.icpp_llama2_sizer", "command: '::add-mask::x'"
    )


def test_nothing_from_a_config_or_document_acts_as_a_workflow_command(project: Path) -> None:
    """End to end: a hostile config and document, through a GitHub Actions step."""
    hostile_project(project)
    completed = run_in_actions(project)
    assert completed.returncode == 1, completed.stderr
    # The hostile text is all there, to be read in the log...
    assert "+::add-mask::x\n" in completed.stdout
    assert "-##[error]boom\n" in completed.stdout
    assert "-::set-output name=x::y\n" in completed.stdout
    # ...but the runner acts on our commands only.
    assert_only_our_commands(completed.stdout)
    acted = workflow_runner.read(completed.stdout).commands
    assert [c.properties.get("title") for c in acted if c.name == "error"] == [
        "Stale sizing document"
    ]


def hostile_result() -> RunResult:
    """By hand, what hostile_project makes: a stale document holding workflow
    commands, the command in its header one too, and a model named with one."""
    committed = COMMITTED.replace(
        "### Canister Metrics\n", "\n".join(HOSTILE_LINES) + "\n### Canister Metrics\n"
    )
    regenerated = COMMITTED.replace("python -m scripts.icpp_llama2_sizer", "::add-mask::x").replace(
        "260K<br>", "##[warning]260K<br>"
    )
    hostile = model_result("##[warning]260K", STORIES_260K, position=POSITIONS["260K"])
    config = config_result(
        DocumentStatus.STALE,
        comparison(committed, regenerated),
        models=(hostile, *stories()[1:]),
    )
    return run_result([config])


def test_success_lines_carrying_names_and_paths_are_inert() -> None:
    renamed = model_result(
        "##[warning]260K", STORIES_260K, threshold=4760, position=POSITIONS["260K"]
    )
    config = config_result(
        models=(renamed, *stories()[1:]), output_file="configs/::set-output name=o::v.md"
    )
    result = run_result([config])
    assert result.exit_code == 0
    out = logged(result)
    assert "smallest headroom: ##[warning]260K serves 4760 users" in out
    assert_only_our_commands(out)
    assert workflow_runner.read(out).commands, "the success line is in a block"


def test_annotations_keep_escaping_hostile_text() -> None:
    allowed = (
        "(allowed: checkpoint, dim, hidden_dim, min_concurrent_users, n_heads, n_kv_heads, "
        "n_layers, name, seq_len, vocab_size)"
    )
    problems = [
        Problem(
            CONFIG.as_posix(),
            "missing required keys 'dim', 'hidden_dim', 'n_layers', 'n_heads', "
            "'n_kv_heads', 'vocab_size', 'seq_len'; add them",
            Position(3, 5),
            "models[0]",
        ),
        Problem(
            CONFIG.as_posix(),
            f"unknown key '::set-output name=k::v'; remove it {allowed}",
            Position(3, 15),
            "models[0]['::set-output name=k::v']",
        ),
        Problem(
            CONFIG.as_posix(),
            f"unknown key '##[error]k'; remove it {allowed}",
            Position(3, 44),
            "models[0]['##[error]k']",
        ),
    ]
    result = run_result([], problems)
    assert result.exit_code == 2
    out = logged(result)
    assert len(annotations(out)) == 3  # two unknown keys, missing values
    assert_only_our_commands(out)


def test_json_output_holds_no_workflow_command() -> None:
    result = hostile_result()
    assert result.exit_code == 1
    out = io.StringIO()
    json_report.report(result, Destination(out, io.StringIO()))
    assert "##[" not in out.getvalue()
    assert workflow_runner.read(out.getvalue()).commands == []
    # The same data as plain JSON: the escape parses back to the text.
    (config,) = json.loads(out.getvalue())["configs"]
    assert "\n-##[error]boom\n" in config["diff"]
    assert config["models"][0]["name"] == "##[warning]260K"


def test_annotation_files_are_relative_to_the_workspace(project: Path) -> None:
    """End to end: the step runs in a folder below the workspace, as
    `working-directory:` does."""
    shutil.copy(GOLDEN, project / DOCUMENT)
    edit(project / CONFIG, "seq_len: 256", "seq_len: 512")
    edit(
        project / CONFIG, "    seq_len: 1024\n", "    seq_len: 1024\n    min_concurrent_users: 90\n"
    )
    (project / "configs" / "bad.yaml").write_text("output: b.md\nmodels: 3\n")
    env = {**clean_env(), "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(project)}
    completed = run_process(
        project / "configs", "--config", "icpp_llama2.yaml", "--config", "bad.yaml", env=env
    )
    assert completed.returncode == 2, completed.stderr
    files = {a["title"]: a["file"] for a in annotations(completed.stdout)}
    assert files == {
        "Invalid sizing config": "configs/bad.yaml",
        "Stale sizing document": DOCUMENT.as_posix(),
        "Too few concurrent users": CONFIG.as_posix(),
    }
    # The messages name files from the project root, wherever the step runs.
    assert (
        "configs/README_icpp_llama2_resource_requirements.md is stale; "
        "fix it with: icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    ) in completed.stdout


def test_workspace_paths(tmp_path: Path) -> None:
    workspace = tmp_path / "work"
    (workspace / "configs").mkdir(parents=True)
    (tmp_path / "link").symlink_to(workspace)
    inside = str(workspace / "configs" / "a.yaml")
    assert workspace_path(inside, "a.yaml", str(workspace)) == "configs/a.yaml"
    # A workspace named through a symlink, files named from the resolved folder.
    assert workspace_path(inside, "a.yaml", str(tmp_path / "link")) == "configs/a.yaml"
    assert workspace_path(str(tmp_path / "link" / "b.md"), "b.md", str(workspace)) == "b.md"
    # Unknown, outside, or no workspace: the path as shown.
    assert workspace_path("", "a.yaml", str(workspace)) == "a.yaml"
    assert workspace_path(str(tmp_path / "x.yaml"), "../x.yaml", str(workspace)) == "../x.yaml"
    assert workspace_path(inside, "a.yaml", "") == "a.yaml"


def huge_stale(lines: int) -> ConfigResult:
    """A stale document: the committed one with ``lines`` lines no run makes."""
    extra = "".join(f"extra line {number} {'x' * 40}\n" for number in range(lines))
    return config_result(DocumentStatus.STALE, comparison(COMMITTED + extra, COMMITTED))


def test_a_huge_diff_is_cut_to_keep_the_step_summary_under_1_mib(tmp_path: Path) -> None:
    # The diff itself is cut at MAX_DIFF_LINES; what earlier steps wrote leaves
    # less room than that in the summary.
    result = run_result([huge_stale(3_000)])
    earlier = "earlier step\n" + "e" * 1_000_000 + "\n"
    (tmp_path / "summary.md").write_text(earlier)
    assert result.exit_code == 1
    out = logged(result, tmp_path / "summary.md")
    summary = (tmp_path / "summary.md").read_bytes()
    assert len(summary) <= STEP_SUMMARY_LIMIT
    text = summary.decode("utf-8")
    assert text.startswith(earlier + "## icpp-sizer-check: ❌ failed\n")
    shown = text.count("\n-extra line ")
    assert 100 < shown < MAX_DIFF_LINES
    assert "\n```\n\n_The diff is cut here: " in text
    assert text.endswith("and so does the check run locally._\n\n")
    # The job log has the diff as the check cut it.
    assert 900 < out.count("\n-extra line ") <= MAX_DIFF_LINES
    assert "[diff cut here: " in out


def test_step_summary_budget_is_shared_and_never_exceeded() -> None:
    result = run_result([huge_stale(3_000)])
    small = step_summary(result)
    assert "_The diff is cut here" not in small
    for budget in (len(small.encode()) - 1, 40_000, 5_000, 2_000, 300, 20, 0):
        text = step_summary(result, budget)
        assert len(text.encode()) <= budget, budget
        assert ("cut here" in text) or text == "", budget
    # When even the table does not fit: its first lines and a note.
    assert step_summary(result, 300).endswith(
        "_The summary is cut here, as GitHub keeps a step summary under 1 MiB. "
        "The job log has the rest._\n"
    )


def test_a_written_document_not_yet_staged_is_annotated(repository: Path) -> None:
    git(repository, "add", str(CONFIG))
    result = run([CONFIG], write=True, source=Index())
    stage = f"git add {DOCUMENT.as_posix()}"
    (annotation,) = annotations(logged(result))
    assert annotation["title"] == "Unstaged sizing document"
    assert annotation["message"] == f"wrote {DOCUMENT.as_posix()}; stage it with: {stage}"
    (config,) = json_report.as_document(result)["configs"]
    assert (config["passed"], config["written"]) == (False, True)
    assert (config["staging"], config["fix_command"]) == ("not-staged", stage)


def test_a_diff_shows_terminal_controls_as_escapes() -> None:
    # A terminal (or the log viewer, which renders ANSI) would act on them:
    # colours that forge a line, a title, the clipboard (OSC 52).
    committed = COMMITTED.replace(
        "### Canister Metrics\n", "\x1b[32mOK\x1b]52;c;aGk=\x07\x1b[8m\n### Canister Metrics\n"
    )
    config = config_result(DocumentStatus.STALE, comparison(committed, COMMITTED))
    out = logged(run_result([config]))
    assert "\x1b" not in out and "\x07" not in out
    assert "-\\x1b[32mOK\\x1b]52;c;aGk=\\x07\\x1b[8m\n" in out
