"""Where a config lives decides everything it may touch: one project root, one
folder for its relative paths, and nothing outside, after every symlink."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from icpp_sizer_check import paths
from icpp_sizer_check.config.location import display_path, locate_config, regenerate_command
from icpp_sizer_check.errors import ConfigError
from tests.fixtures import DOCUMENT, GOLDEN, REPO_CONFIG, Run, clean_env, run_process

DOCUMENT_NAME = DOCUMENT.name


def _config_text(output: str = DOCUMENT_NAME) -> str:
    """The repo's config with ``output``, and the default regenerate command."""
    text = REPO_CONFIG.read_text().replace(f"output: {DOCUMENT_NAME}", f"output: {output}")
    return "".join(line for line in text.splitlines(True) if not line.startswith("command:"))


def test_a_symlinked_config_reads_writes_and_confines_from_its_real_folder(
    project: Path, run: Run
) -> None:
    shared = project / "shared"
    shared.mkdir()
    (project / "configs" / "icpp_llama2.yaml").rename(shared / "sizes.yaml")
    (project / "configs" / "sizes.yaml").symlink_to("../shared/sizes.yaml")
    assert run("--write").code == 0
    assert (shared / DOCUMENT_NAME).read_bytes() == GOLDEN.read_bytes()
    assert not (project / "configs" / DOCUMENT_NAME).exists()
    outcome = run()
    assert outcome.code == 0
    assert outcome.out.startswith(f"configs/sizes.yaml: shared/{DOCUMENT_NAME} is up to date")


def test_a_config_symlinked_out_of_the_project_is_refused_unread(
    project: Path, tmp_path_factory: pytest.TempPathFactory, run: Run
) -> None:
    secret = tmp_path_factory.mktemp("home") / "credentials"
    secret.write_text("token: hunter2-do-not-print\n")
    (project / "configs" / "icpp_llama2.yaml").unlink()
    (project / "configs" / "stolen.yaml").symlink_to(secret)
    outcome = run()
    assert outcome.code == 2
    assert "configs/stolen.yaml: the config is a symlink to" in outcome.err
    assert "outside the project" in outcome.err
    assert "hunter2" not in outcome.out + outcome.err


def test_an_output_symlinked_to_a_git_hook_is_refused_and_never_written(
    project: Path, run: Run
) -> None:
    hooks = project / ".git" / "hooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\necho hook\n")
    (project / "configs" / DOCUMENT_NAME).symlink_to("../.git/hooks/pre-commit")
    outcome = run("--write")
    assert outcome.code == 2
    assert f"configs/icpp_llama2.yaml:6:9: output: '{DOCUMENT_NAME}': is inside .git/" in (
        outcome.err
    )
    assert (hooks / "pre-commit").read_text() == "#!/bin/sh\necho hook\n"
    assert "echo hook" not in outcome.out + outcome.err


def test_an_output_symlinked_to_a_file_that_is_no_markdown_is_refused(
    project: Path, run: Run
) -> None:
    (project / "setup.py").write_text("print('not a document')\n")
    (project / "configs" / DOCUMENT_NAME).symlink_to("../setup.py")
    outcome = run("--write")
    assert outcome.code == 2
    assert "is not a Markdown document (after symlinks: 'setup.py')" in outcome.err
    assert (project / "setup.py").read_text() == "print('not a document')\n"
    assert "not a document" not in outcome.out


@pytest.mark.parametrize("which", ["output", "config"])
def test_symlink_loops_are_config_errors(project: Path, run: Run, which: str) -> None:
    if which == "output":
        (project / "configs" / DOCUMENT_NAME).symlink_to(DOCUMENT_NAME)
    else:
        (project / "configs" / "icpp_llama2.yaml").unlink()
        (project / "configs" / "loop.yaml").symlink_to("loop.yaml")
    outcome = run()
    assert outcome.code == 2
    assert "symlink loop" in outcome.err
    assert "Traceback" not in outcome.err


def test_outside_git_the_root_is_the_configs_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    sizes = tmp_path / "deploy" / "sizes"
    sizes.mkdir(parents=True)
    (sizes / "llm.yaml").write_text(_config_text())
    monkeypatch.chdir(tmp_path)
    assert run("--write", "--config", "deploy/sizes/llm.yaml").code == 0
    document = (sizes / DOCUMENT_NAME).read_text()
    assert "icpp-sizer-check --write --config llm.yaml\n" in document
    # A path out of the config's folder leaves the project.
    (sizes / "llm.yaml").write_text(_config_text(f"../{DOCUMENT_NAME}"))
    outcome = run("--config", "deploy/sizes/llm.yaml")
    assert outcome.code == 2
    assert "the path leaves the repository" in outcome.err


def test_messages_and_the_command_do_not_depend_on_the_current_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    assert run("--write").code == 0
    from_root = run("--verbose")
    monkeypatch.chdir(project / "configs")
    assert run("--verbose", "--config", "icpp_llama2.yaml") == from_root
    monkeypatch.chdir("/")
    assert run("--verbose", "--config", str(project / "configs" / "icpp_llama2.yaml")) == from_root


def test_the_regenerate_command_is_quoted_and_runs(project: Path) -> None:
    spaced = project / "my configs"
    (project / "configs").rename(spaced)
    (spaced / "icpp_llama2.yaml").write_text(_config_text())
    first = run_process(project, "--config", "my configs/icpp_llama2.yaml")
    assert first.returncode == 1
    command = "icpp-sizer-check --write --config 'my configs/icpp_llama2.yaml'"
    assert f"create it with: {command}" in first.stdout
    # The fix hint, run by a shell from the project root, does what it says.
    # As run_process runs the tool: this interpreter, the package it has installed.
    python = f"{shlex.quote(sys.executable)} -m icpp_sizer_check"
    module = command.replace("icpp-sizer-check", python)
    subprocess.run(["sh", "-c", module], cwd=project, check=True, env=clean_env())
    assert f"```bash\n{command}\n```" in (spaced / DOCUMENT_NAME).read_text()
    assert run_process(project, "--config", "my configs/icpp_llama2.yaml").returncode == 0


def test_a_config_name_that_is_not_utf8_is_a_config_error(project: Path) -> None:
    name = os.fsdecode(b"configs/sizes\xff.yaml")
    shutil.copy(REPO_CONFIG, name)
    completed = run_process(project, "--config", name)
    assert completed.returncode == 2
    assert "configs/sizes\\xff.yaml: the path" in completed.stderr
    assert "is not valid UTF-8; rename the file or folder" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_current_folder_that_is_not_utf8_is_a_config_error(project: Path) -> None:
    odd = project / os.fsdecode(b"odd\xfe")
    odd.mkdir()
    shutil.copytree(project / "configs", odd / "configs")
    completed = run_process(odd)
    assert completed.returncode == 2
    assert "is not valid UTF-8" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_deleted_current_folder_is_a_config_error(project: Path, run: Run) -> None:
    gone = project / "gone"
    gone.mkdir()
    os.chdir(gone)
    gone.rmdir()
    outcome = run("--config", "c.yaml")
    assert outcome.code == 2
    assert "the current folder is unusable" in outcome.err


def test_a_location_has_one_base_folder_and_one_root(project: Path) -> None:
    location = locate_config(Path("configs/icpp_llama2.yaml"))
    assert location.root == os.path.realpath(project)
    assert location.base == os.path.realpath(project / "configs")
    assert location.shown == "configs/icpp_llama2.yaml"
    with pytest.raises(ConfigError):
        locate_config(Path(os.fsdecode(b"bad\xff.yaml")))


@pytest.mark.parametrize("which", ["output", "checkpoint"])
def test_a_fifo_is_refused_instead_of_waited_on(project: Path, run: Run, which: str) -> None:
    fifo = project / "configs" / "pipe.md"
    os.mkfifo(fifo)
    text = _config_text("pipe.md" if which == "output" else DOCUMENT_NAME)
    if which == "checkpoint":
        text = text.replace("  - name: 260K\n", "  - name: 260K\n    checkpoint: pipe.md\n")
    (project / "configs" / "icpp_llama2.yaml").write_text(text)
    outcome = run()
    assert outcome.code == 2
    assert "'pipe.md': is not a regular file (a FIFO, a device or a socket)" in outcome.err


def test_a_config_symlinked_to_a_device_is_refused_unread_even_by_the_replay(
    project: Path,
) -> None:
    (project / "configs" / "evil.yaml").symlink_to("/dev/zero")
    completed = run_process(project)
    assert completed.returncode == 2
    assert "configs/evil.yaml: the config is a symlink to /dev/zero" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_symlinked_folder_cannot_make_another_repository_the_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory, run: Run
) -> None:
    other = tmp_path_factory.mktemp("other-repo")
    (other / ".git").mkdir()
    (other / "sizes.yaml").write_text(_config_text())
    (other / DOCUMENT_NAME).write_text("their document, not yours\n")
    shutil.rmtree(project / "configs")
    (project / "configs").symlink_to(other)
    outcome = run("--write")
    assert outcome.code == 2
    assert "outside the git checkout of the current folder" in outcome.err
    assert (other / DOCUMENT_NAME).read_text() == "their document, not yours\n"
    assert "their document" not in outcome.out


def test_a_config_name_with_a_control_character_is_refused(project: Path, run: Run) -> None:
    (project / "configs" / "icpp_llama2.yaml").rename(
        project / "configs" / "x\n## injected \x1b[31m.yaml"
    )
    outcome = run("--write")
    assert outcome.code == 2
    assert "configs/x\\n## injected \\x1b[31m.yaml: the config's path holds a control" in (
        outcome.err
    )
    assert list((project / "configs").glob("*.md")) == []


def test_messages_name_the_document_a_symlink_before_dotdot_reaches(
    project: Path, run: Run
) -> None:
    (project / "deep" / "a").mkdir(parents=True)
    (project / "configs" / "sub").symlink_to("../deep/a")
    (project / "configs" / "icpp_llama2.yaml").write_text(_config_text(f"sub/../{DOCUMENT_NAME}"))
    outcome = run("--write")
    assert outcome.code == 0
    assert (project / "deep" / DOCUMENT_NAME).exists()
    assert f"wrote deep/{DOCUMENT_NAME}" in outcome.out


def test_a_config_named_like_an_option_gets_a_runnable_command(project: Path) -> None:
    (project / "-sizes.yaml").write_text(_config_text(f"configs/{DOCUMENT_NAME}"))
    completed = run_process(project, "--config=-sizes.yaml")
    assert completed.returncode == 1
    assert "create it with: icpp-sizer-check --write --config ./-sizes.yaml" in completed.stdout
    assert run_process(project, "--write", "--config", "./-sizes.yaml").returncode == 0


def test_a_fifo_named_like_a_config_is_refused_instead_of_waited_on(project: Path) -> None:
    os.mkfifo(project / "configs" / "pipe.yaml")
    completed = run_process(project)
    assert completed.returncode == 2
    assert (
        "configs/pipe.yaml: the config is a FIFO, a device or a socket, not a file; "
        "name a .yaml or .yml file"
    ) in completed.stderr


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (".", "./"),
        ("..", "../"),
        ("", "./"),  # an empty name is the current folder
        ("configs", "configs/"),
        ("configs/", "configs/"),
        ("linked", "linked/"),  # a symlink to a folder
    ],
)
def test_a_folder_is_named_as_a_folder(project: Path, run: Run, name: str, shown: str) -> None:
    """Before any project root is sought: a folder's root would be its
    parent's, and the message would be about the parent (the checkout itself
    was once said to lead outside the checkout)."""
    (project / "linked").symlink_to("configs")
    outcome = run("--config", name)
    assert outcome.code == 2
    assert outcome.err == (
        f"{shown}: the config is a folder, not a file; name a .yaml or .yml file in it\n"
    )


def test_a_fifo_config_is_refused_by_its_kind_never_opened(project: Path) -> None:
    os.mkfifo(project / "configs" / "pipe.yaml")
    with pytest.raises(ConfigError) as raised:
        locate_config(Path("configs/pipe.yaml"))
    assert [str(problem) for problem in raised.value.problems] == [
        "configs/pipe.yaml: the config is a FIFO, a device or a socket, not a file; "
        "name a .yaml or .yml file"
    ]


@pytest.mark.parametrize("root", [False, True])
def test_a_folder_is_named_as_given_with_one_separator(project: Path, root: bool) -> None:
    folder = Path("/") if root else project / "configs"  # absolute: named as given
    with pytest.raises(ConfigError) as raised:
        locate_config(folder)
    (problem,) = raised.value.problems
    assert problem.file == f"{folder}/".replace("//", "/")
    assert problem.message == "the config is a folder, not a file; name a .yaml or .yml file in it"


def test_a_config_that_cannot_be_located_is_shown_as_named(project: Path) -> None:
    assert display_path(Path("configs/icpp_llama2.yaml")) == "configs/icpp_llama2.yaml"
    assert display_path(Path("configs")) == "configs"  # a folder: no root is sought
    assert display_path(Path(os.fsdecode(b"configs/\xff.yaml"))) == "configs/\\xff.yaml"


def _refusal(config: Path) -> str:
    """The one problem locating ``config`` raises, as shown."""
    with pytest.raises(ConfigError) as raised:
        locate_config(config)
    (problem,) = raised.value.problems
    return str(problem)


def test_every_refusal_of_a_location_is_stated_whole(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.yaml").write_text("x: 1\n")
    (project / "configs" / "stolen.yaml").symlink_to(outside / "secret.yaml")
    (project / "configs" / "loop.yaml").symlink_to("loop.yaml")
    root = os.path.realpath(project)
    assert _refusal(Path("configs/stolen.yaml")) == (
        f"configs/stolen.yaml: the config is a symlink to {outside / 'secret.yaml'}, "
        f"outside the project ({root}); use a config inside it"
    )
    assert _refusal(Path("configs/loop.yaml")) == (
        "configs/loop.yaml: the config is a symlink loop; point it at a file"
    )
    assert _refusal(Path(os.fsdecode(b"configs/sizes\xff.yaml"))) == (
        f"configs/sizes\\xff.yaml: the path '{root}/configs/sizes\\xff.yaml' is not valid "
        "UTF-8; rename the file or folder"
    )
    assert _refusal(Path("configs/x\x1b[31m.yaml")) == (
        "configs/x\\x1b[31m.yaml: the config's path holds a control character, which would "
        "reach the document's title and command; rename it"
    )


def test_a_config_leading_out_of_the_checkout_is_refused_whole(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("other-repo")
    (other / ".git").mkdir()
    (other / "sizes.yaml").write_text("x: 1\n")
    (project / "linked").symlink_to(other)
    assert _refusal(Path("linked/sizes.yaml")) == (
        # Named from the root its path names (the folder holding .git), as given.
        f"sizes.yaml: the config leads to {other / 'sizes.yaml'}, outside the git "
        f"checkout of the current folder ({os.path.realpath(project)}); run from the "
        "config's own project"
    )


def test_a_deleted_current_folder_is_named_with_what_to_do(project: Path) -> None:
    gone = project / "gone"
    gone.mkdir()
    os.chdir(gone)
    gone.rmdir()
    try:
        assert _refusal(Path("c.yaml")) == (
            "c.yaml: cannot tell where the config is: the current folder is unusable "
            "(No such file or directory); run from the project folder"
        )
    finally:
        os.chdir(project)


def test_the_regenerate_command_names_any_config_as_a_path() -> None:
    assert (
        regenerate_command("configs/a.yaml") == "icpp-sizer-check --write --config configs/a.yaml"
    )
    assert regenerate_command("-sizes.yaml") == "icpp-sizer-check --write --config ./-sizes.yaml"
    assert regenerate_command("my configs/a.yaml") == (
        "icpp-sizer-check --write --config 'my configs/a.yaml'"
    )


def test_a_symlink_cannot_make_the_repository_around_the_checkout_the_project(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config itself lies in the checkout, but its path reaches it through
    the outer repository (a symlink out of the checkout, one back into it),
    which would become its project."""
    outer = tmp_path_factory.mktemp("outer")
    (outer / ".git").mkdir()
    checkout = outer / "inner"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "configs").mkdir()
    (checkout / "configs" / "sizes.yaml").write_text("x: 1\n")
    (checkout / "up").symlink_to(outer)
    (outer / "link").symlink_to(checkout / "configs")
    monkeypatch.chdir(checkout)
    monkeypatch.setattr(paths, "_roots", {})
    assert locate_config(Path("configs/sizes.yaml")).root == str(checkout)
    refusal = _refusal(Path("up/link/sizes.yaml"))
    assert refusal.startswith("link/sizes.yaml: the config leads to ")
    assert refusal.endswith(
        f", outside the git checkout of the current folder ({checkout}); run from the "
        "config's own project"
    )


def test_messages_name_a_document_through_a_symlinked_folder_as_written(
    project: Path, run: Run
) -> None:
    (project / "deep").mkdir()
    (project / "configs" / "sub").symlink_to("../deep")
    (project / "configs" / "icpp_llama2.yaml").write_text(_config_text(f"sub/{DOCUMENT_NAME}"))
    outcome = run("--write")
    assert outcome.code == 0
    assert f"wrote configs/sub/{DOCUMENT_NAME}" in outcome.out
