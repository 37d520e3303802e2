"""What the tests share: paths, the case catalogue, helpers and fixtures.

Test modules import names from here (never from a conftest); tests/conftest.py
loads this module as a plugin, so that its fixtures (``project``, ``run``,
``committed``) reach every test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NamedTuple, NoReturn, Sequence

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from icpp_sizer_check import paths
from icpp_sizer_check.cli import main
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden" / "icpp_llama2_resource_requirements.md"
REPO_CONFIG = REPO / "configs" / "icpp_llama2.yaml"
GOOD_CONFIGS = sorted((DATA / "configs" / "good").glob("*.yaml"))
# Every file in bad/ is a case, whatever its name; NAME.expect files hold the
# expectation of cases that cannot carry a header line (empty, not UTF-8, ...).
BAD_CONFIGS = sorted(
    path for path in (DATA / "configs" / "bad").iterdir() if path.suffix != ".expect"
)

# The repo's config and its document, relative to a project folder.
CONFIG = Path("configs/icpp_llama2.yaml")
DOCUMENT = Path("configs/README_icpp_llama2_resource_requirements.md")

# The four llama2.c "tinystories" models of the repo's config, in its order
# (tests/test_fixtures.py holds them to configs/icpp_llama2.yaml).
STORIES_260K = Hyperparameters(64, 172, 5, 8, 4, 512, 512)
STORIES_15M = Hyperparameters(288, 768, 6, 6, 6, 32000, 256)
STORIES_42M = Hyperparameters(512, 1376, 8, 8, 8, 32000, 1024)
STORIES_110M = Hyperparameters(768, 2048, 12, 12, 12, 32000, 1024)
STORIES = {"260K": STORIES_260K, "15M": STORIES_15M, "42M": STORIES_42M, "110M": STORIES_110M}


# Hypothesis profiles. dev: each property on a few examples, the same ones
# every run (derandomized, no example database): for the local loop, and for
# mutation testing, which reruns the tests once per mutant and must score the
# same twice. ci: every property keeps its own, larger, example count (see
# examples()). HYPOTHESIS_PROFILE names the profile; unset, it is ci for the
# thorough run (pytest --thorough, as .ci/run and GitHub Actions run it) or
# where CI=true, and dev elsewhere.
ORACLE = DATA / "oracle"


def architecture_of_mapping(mapping: Mapping[str, Any]) -> Architecture:
    """An Architecture from a recorded case's JSON mapping (lists are per-layer tuples)."""
    return Architecture(
        **{
            key: tuple(value) if isinstance(value, list) else value
            for key, value in mapping.items()
        }
    )


DEV_PROFILE = "dev"
CI_PROFILE = "ci"
settings.register_profile(DEV_PROFILE, max_examples=10, derandomize=True, database=None)
settings.register_profile(CI_PROFILE, settings.get_profile("default"))


def choose_profile(environ: Mapping[str, str], thorough: bool = False) -> str:
    """The hypothesis profile for a run in ``environ``, ``thorough`` or not."""
    named = environ.get("HYPOTHESIS_PROFILE", "")
    if named:
        return named
    ci = thorough or environ.get("CI", "").lower() == "true"
    return CI_PROFILE if ci else DEV_PROFILE


def example_count(thorough: int, profile: str) -> int:
    """``thorough`` under ci; under another profile, no more than its max_examples."""
    if profile == CI_PROFILE:
        return thorough
    return min(thorough, settings.get_profile(profile).max_examples)


HYPOTHESIS_PROFILE = choose_profile(os.environ)
settings.load_profile(HYPOTHESIS_PROFILE)


def use_profile(profile: str) -> None:
    """Run under ``profile`` from now on; tests/conftest.py calls it once the
    command line is read, before any test module is imported."""
    global HYPOTHESIS_PROFILE
    HYPOTHESIS_PROFILE = profile
    settings.load_profile(profile)


def missing(reason: str) -> NoReturn:
    """Skip a test whose tool (a package, a compiler, a source tree) is
    missing, saying how to get it; under CI, which installs every tool, fail
    it instead, so that a skip there cannot hide a gap."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def shim_library() -> Path:
    """llama.cpp's dry-run shim, built (tests/oracle/shim.py); skipped without
    its parts (llama_cpp, a C++ compiler, llama.cpp's source), failed under CI."""
    from tests.oracle import shim

    try:
        return shim.build()
    except shim.Unavailable as error:
        missing(str(error))


@pytest.fixture(scope="session")
def wasm_module() -> Path:
    """llama.cpp as a wasm32-wasi module with the tests' driver, built
    (tests/wasm/build.py); skipped without its parts (ziglang, wasmtime,
    Debian's wasi-libc package, llama.cpp's source), failed under CI."""
    from tests.oracle.shim import Unavailable
    from tests.wasm import build

    try:
        import wasmtime  # noqa: F401
    except ImportError:
        missing("wasmtime is not installed: pip install -e '.[test,wasm]'")
    try:
        return build.build()
    except Unavailable as error:
        missing(str(error))


def examples(thorough: int) -> int:
    """A property's example count: ``thorough`` under ci, at most 10 under dev."""
    return example_count(thorough, HYPOTHESIS_PROFILE)


class Outcome(NamedTuple):
    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, made the current folder, holding the repo's own config."""
    (tmp_path / ".git").mkdir()  # marks the project root, as a checkout would
    (tmp_path / "configs").mkdir()
    shutil.copy(REPO_CONFIG, tmp_path / CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def committed(project: Path) -> Path:
    """The project with its document committed as the reference has it: up to date."""
    shutil.copy(GOLDEN, project / DOCUMENT)
    return project


def hermetic_git(home: Path) -> dict[str, str]:
    """Git's variables for a test: no user or system config, a fixed identity."""
    global_config = home / "gitconfig"
    global_config.touch()
    return {
        "GIT_CONFIG_GLOBAL": str(global_config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }


def git(cwd: Path, *args: str, stdin: bytes = b"") -> str:
    """Run git in ``cwd`` (hermetic where a test set its variables); its output."""
    completed = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout.decode().strip()


@pytest.fixture
def repository(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The project as a real git repository, hermetic, with nothing staged yet."""
    home = tmp_path_factory.mktemp("git-home")
    for name, value in hermetic_git(home).items():
        monkeypatch.setenv(name, value)
    shutil.rmtree(project / ".git")
    git(project, "init", "-q", "-b", "main")
    return project


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder beside the project, never inside it: the tool ignores
    a cache inside the project it checks."""
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Call main() as the command line would and capture what it prints."""

    def call(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return call


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


class Expectation(NamedTuple):
    exit_code: int
    where: str  # "LINE:COL", or "-" where the message has no position
    message: str

    def line_prefix(self, shown_path: str) -> str:
        """How the reported line must start for a config shown as ``shown_path``."""
        return f"{shown_path}: " if self.where == "-" else f"{shown_path}:{self.where}: "


def expectation(path: Path) -> Expectation:
    """A case's '# expect: EXIT WHERE MESSAGE' line, from its first line or NAME.expect."""
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        text = sidecar.read_text(encoding="utf-8").strip()
    else:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff")
        assert first.startswith("# expect: "), f"{path} has no '# expect:' line or .expect file"
        text = first.removeprefix("# expect: ")
    code, where, message = text.split(" ", 2)
    return Expectation(int(code), where, message)


def clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    # mutmut's first pass records which functions each test calls; a process of
    # its own cannot report them and would fail trying: it runs the plain code.
    if env.get("MUTANT_UNDER_TEST") == "stats":
        del env["MUTANT_UNDER_TEST"]
    return env


# One check in a fresh interpreter, reporting which heavy modules it loaded:
# the way to see a cache or a replay at work from the outside.
_PROBE = """
import sys
from icpp_sizer_check.cli import main
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = (
    "yaml",
    "jsonschema",
    "numpy",
    "gguf",
    "icpp_sizer_check.gguf.header",
    "icpp_sizer_check.runtimes.llama_cpp_canister",
)
print("@@", code, " ".join(m for m in heavy if m in sys.modules))
"""


class Probe(NamedTuple):
    code: int
    out: str
    # Of yaml, jsonschema, numpy, gguf, the GGUF reader and the GGUF runtime:
    # those the run imported.
    loaded: frozenset[str]


def probe(cwd: Path, cache_home: Path, *args: str, **env: str) -> Probe:
    environment = {**clean_env(), "XDG_CACHE_HOME": str(cache_home), **env}
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    out, _, tail = completed.stdout.rpartition("@@ ")
    code, *loaded = tail.split()
    return Probe(int(code), out, frozenset(loaded))


_FINGERPRINT = """
import sys
from icpp_sizer_check import cache
sys.stdout.write(cache.tool_fingerprint().decode())
"""


@contextmanager
def fingerprint_of_the_probed_tool() -> Iterator[None]:
    """Keys computed in the test as :func:`probe`'s process computes them.

    A key covers the tool's own files. Under mutation testing the test imports
    a mutated copy of the package while a process of its own imports the
    installed one, so a record or marker planted with the test's key would
    not be the one the process looks for."""
    from icpp_sizer_check import cache

    environment = {**clean_env(), cache.DISABLE_VARIABLE: "1"}  # no memo written
    completed = subprocess.run(
        [sys.executable, "-c", _FINGERPRINT],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    saved = list(cache._fingerprint)
    cache._fingerprint[:] = [completed.stdout.encode()]
    try:
        yield
    finally:
        cache._fingerprint[:] = saved


def run_process(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """The tool in a process of its own (``python -m``), as hooks and CI run it;
    one that waits on something (a FIFO, say) fails the test after a minute."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "icpp_sizer_check", *args],
        cwd=cwd,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# One small valid model, for configs written inline.
MODEL_YAML = """models:
  - name: m
    dim: 64
    hidden_dim: 172
    n_layers: 5
    n_heads: 8
    n_kv_heads: 4
    vocab_size: 512
    seq_len: 512
"""


def run_in_actions(
    project: Path, *args: str, summary: bool = True
) -> subprocess.CompletedProcess[str]:
    """The tool in a process of its own as a GitHub Actions step runs it, its
    step summary (unless ``summary`` is False) in ``project``/summary.md."""
    env = clean_env()
    env["GITHUB_ACTIONS"] = "true"
    if summary:
        env["GITHUB_STEP_SUMMARY"] = str(project / "summary.md")
    return run_process(project, *args, env=env)


def _accepted_name(name: str) -> bool:
    from icpp_sizer_check.package_data import config_schema

    pattern = config_schema()["$defs"]["icpp_llama2_model"]["properties"]["name"]["pattern"]
    return re.search(pattern, name) is not None


def model_names() -> st.SearchStrategy[str]:
    """Model names the schema accepts, biased toward what a column heading and
    Markdown make something of (the unit suffix, HTML, escapes, spaces)."""
    piece = st.sampled_from(["<br>", "(MB)", "<br>(MB)", "\\", "`", "*", "&amp;", " ", "-", "a"])
    # Any character but those the schema refuses anywhere in a name.
    allowed = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="|\u2028\u2029\x7f")
    return (
        st.lists(piece | st.text(allowed, min_size=1, max_size=3), min_size=1, max_size=6)
        .map("".join)
        .map(str.strip)
        .filter(_accepted_name)
    )


def start_as_a_process(patch: pytest.MonkeyPatch, cwd: Path, environ: Mapping[str, str]) -> None:
    """What a process of the tool would start with, for a run of ``main`` in
    this one: no GITHUB_* variables, ``environ`` set, ``cwd`` current, and no
    project root found yet."""
    for name in [name for name in os.environ if name.startswith("GITHUB_")]:
        patch.delenv(name)
    for name, value in environ.items():
        patch.setenv(name, value)
    patch.chdir(cwd)
    patch.setattr(paths, "_roots", {})
