"""The promises of docs/guarantees.md, each proven here.

Bad inputs that cannot live as files under tests/data (a symlink out of the
repository, an unreadable file, a config over the size limit), the committed
document in every shape an editor leaves it, code never executed from a
config, and property tests over random configs, bytes and YAML.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.canister import TARGETS
from icpp_sizer_check.config.load import parse_config
from icpp_sizer_check.config.read import decode_config
from icpp_sizer_check.errors import ConfigError
from icpp_sizer_check.paths import MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES
from icpp_sizer_check.runtimes.icpp_llama2.sizing import Hyperparameters, size_model
from tests.fixtures import (
    CONFIG,
    DOCUMENT,
    GOLDEN,
    GOOD_CONFIGS,
    REPO_CONFIG,
    Run,
    clean_env,
    edit,
    examples,
    run_process,
)

# ---- bad inputs made on the fly ------------------------------------------------------


def test_a_config_over_the_size_limit_is_refused(project: Path, run: Run) -> None:
    padding = "# " + "x" * 98 + "\n"
    text = (project / CONFIG).read_text()
    (project / CONFIG).write_text(text + padding * (MAX_CONFIG_BYTES // len(padding) + 1))
    outcome = run("--write")
    assert outcome.code == 2
    assert outcome.err.startswith(
        "configs/icpp_llama2.yaml: the config is larger than 1024 KiB; is it the right file?"
    )
    assert not DOCUMENT.exists()


@pytest.mark.parametrize("style", ["compact", "aligned"])
def test_a_config_whose_document_would_pass_the_document_cap_is_refused(
    project: Path, run: Run, style: str
) -> None:
    """Regression: a valid config under the config cap rendered a document over
    the document cap; --write wrote it, then every check refused it (exit 2)."""
    # Five tables head a column with the name: in compact style the largest
    # config's one model renders past the cap; aligned pads every row to it.
    length = (MAX_CONFIG_BYTES - 1000) if style == "compact" else MAX_DOCUMENT_BYTES // 40
    text = (project / CONFIG).read_text()
    text = text.replace("  - name: 260K", f"  - name: {'x' * length}", 1)
    (project / CONFIG).write_text(f"{text}style: {style}\n")
    assert (project / CONFIG).stat().st_size <= MAX_CONFIG_BYTES
    for args in (["--write"], []):
        outcome = run(*args)
        assert outcome.code == 2
        line = outcome.err.splitlines()[0]
        assert line.startswith(
            "configs/icpp_llama2.yaml:6:9: output: "
            "'configs/README_icpp_llama2_resource_requirements.md' would be "
        )
        compact = " or set 'style: compact' (no padding)," if style == "aligned" else ""
        assert line.endswith(
            " MiB, above the 2 MiB a check reads of a sizing document: shorten the model "
            f"names,{compact} or list fewer models"
        )
        assert not DOCUMENT.exists()


def test_an_output_symlink_out_of_the_repository_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory, run: Run
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "victim.md"
    outside.write_text("not yours\n")
    (project / DOCUMENT).symlink_to(outside)
    outcome = run("--write")
    assert outcome.code == 2
    assert (
        "configs/icpp_llama2.yaml:6:9: output: 'README_icpp_llama2_resource_requirements.md': "
        "the path leaves the repository"
    ) in outcome.err
    assert "(it is a symlink)" in outcome.err
    assert outside.read_text() == "not yours\n"


def test_a_config_that_is_a_folder(project: Path, run: Run) -> None:
    outcome = run("--config", "configs")
    assert outcome.code == 2
    assert outcome.err == (
        "configs/: the config is a folder, not a file; name a .yaml or .yml file in it\n"
    )


def _without_root_powers() -> list[str]:
    """A command prefix under which root, too, obeys file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", drop, "--inh-caps", drop]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_unreadable_config(project: Path) -> None:
    (project / CONFIG).chmod(0)
    completed = run_process(project, prefix=_without_root_powers())
    assert completed.returncode == 2
    assert completed.stderr == (
        "configs/icpp_llama2.yaml: cannot read the config: Permission denied\n"
    )


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_unwritable_document_folder(project: Path) -> None:
    (project / "configs").chmod(0o555)
    try:
        completed = run_process(project, "--write", prefix=_without_root_powers())
    finally:
        (project / "configs").chmod(0o755)
    assert completed.returncode == 2
    assert completed.stderr == (
        "configs/icpp_llama2.yaml: cannot write output "
        "configs/README_icpp_llama2_resource_requirements.md: Permission denied\n"
    )
    assert sorted(p.name for p in (project / "configs").iterdir()) == ["icpp_llama2.yaml"]


# ---- the committed document, as editors leave it ---------------------------------


@pytest.mark.parametrize(
    ("damage", "summary"),
    [
        (lambda b: b.replace(b"\n", b"\r\n"), "only line endings differ (CRLF vs LF)"),
        (lambda b: b.rstrip(b"\n"), "only the newlines at the end of the file differ"),
        (lambda b: b + b"\n\n", "only the newlines at the end of the file differ"),
        (lambda b: b"\xef\xbb\xbf" + b, "only a UTF-8 byte order mark at the start differs"),
        (lambda b: b.replace(b"| 35\n", b"| 35  \n"), "only trailing spaces differ"),
        (lambda b: b.replace(b"| 35\n", b"| 35\xff\n"), "the committed file is not valid UTF-8"),
    ],
    ids=["crlf", "no-final-newline", "extra-newlines", "bom", "trailing-spaces", "not-utf8"],
)
def test_the_check_names_what_differs_and_write_restores_the_bytes(
    project: Path, run: Run, damage: object, summary: str
) -> None:
    assert callable(damage)
    (project / DOCUMENT).write_bytes(damage(GOLDEN.read_bytes()))
    outcome = run()
    assert outcome.code == 1
    assert f"is stale ({summary}); fix it with:" in outcome.out
    assert run("--write").code == 0
    assert (project / DOCUMENT).read_bytes() == GOLDEN.read_bytes()
    assert run().code == 0


def test_write_keeps_the_document_mode(committed: Path, run: Run) -> None:
    (committed / DOCUMENT).chmod(0o640)
    edit(committed / CONFIG, "seq_len: 256", "seq_len: 128")
    assert run("--write").code == 0
    assert (committed / DOCUMENT).stat().st_mode & 0o777 == 0o640


# ---- security ------------------------------------------------------------------------


def test_no_code_from_a_config_ever_runs(project: Path, run: Run) -> None:
    marker = project / "pwned"
    payloads = [
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
    ]
    for payload in payloads:
        (project / CONFIG).write_text(f"output: {payload}\nmodels: []\n")
        outcome = run()
        assert outcome.code == 2
        assert "unsupported YAML" in outcome.err
    assert not marker.exists()


# ---- properties ----------------------------------------------------------------------


@st.composite
def hyperparameters(draw: st.DrawFn) -> dict[str, int]:
    kv_heads = draw(st.integers(1, 8))
    heads = kv_heads * draw(st.integers(1, 4))
    return {
        "dim": heads * draw(st.integers(1, 64)),
        "hidden_dim": draw(st.integers(1, 4096)),
        "n_layers": draw(st.integers(1, 24)),
        "n_heads": heads,
        "n_kv_heads": kv_heads,
        "vocab_size": draw(st.integers(1, 64000)),
        "seq_len": draw(st.integers(1, 4096)),
    }


@st.composite
def configs(draw: st.DrawFn, long_names: bool = False) -> dict[str, object]:
    """Valid icpp_llama2 configs; with ``long_names``, in either style and with
    names long enough that some documents would pass the document cap."""
    models = draw(st.lists(hyperparameters(), min_size=1, max_size=4))
    target = draw(st.sampled_from(list(TARGETS.values())))
    layout: dict[str, object] = {}
    padding = ""
    if long_names:
        layout = {"style": draw(st.sampled_from(["compact", "aligned"]))}
        # One config in four (long documents are slow to write and compare).
        long = st.integers(0, 3).flatmap(
            lambda pick: st.integers(0, MAX_DOCUMENT_BYTES // 40) if pick == 0 else st.just(0)
        )
        padding = "x" * draw(long)
    return {
        **layout,
        "title": draw(
            st.text(st.characters(categories=("L", "N", "Zs")), min_size=1).filter(str.strip)
        ),
        "output": "doc.md",
        "canister": {"wasm": target.name, "memory_mib": draw(st.integers(1, target.heap_cap_mib))},
        "min_concurrent_users": draw(st.integers(0, 50)),
        "models": [{"name": f"m{index}{padding}", **model} for index, model in enumerate(models)],
    }


@pytest.mark.slow
@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(config=configs(long_names=True))
def test_write_then_check_always_passes(
    config: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.md").unlink(missing_ok=True)  # the last example's
    path = tmp_path / "sizes.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, width=2**30))
    written = run("--write", "--config", "sizes.yaml")
    checked = run("--config", "sizes.yaml")
    if written.code == 2:
        # Only a document past the cap is refused: before writing, and by the check.
        assert "a check reads of a sizing document" in written.err, written.err
        assert checked.code == 2 and not (tmp_path / "doc.md").exists()
        return
    # 1 only for thresholds or models that do not fit; never a stale document.
    assert written.code == checked.code in (0, 1)
    assert "is stale" not in checked.out and "is missing" not in checked.out


def _drawn(strategy: st.SearchStrategy[dict[str, object]], count: int) -> list[dict[str, object]]:
    """``count`` values of ``strategy``, drawn as the run's profile draws (the
    same ones every run under dev, fresh ones under ci)."""
    drawn: list[dict[str, object]] = []

    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate])
    @given(strategy)
    def collect(value: dict[str, object]) -> None:
        drawn.append(value)

    collect()
    return drawn


@pytest.mark.slow
def test_rendering_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    """The same configs written in two processes, each with its own string
    hashing (PYTHONHASHSEED), give the same bytes: nothing in a document or
    the report depends on the order of a set or on a hash."""
    project = tmp_path / "seed-0"
    (project / ".git").mkdir(parents=True)
    (project / "configs").mkdir()
    shutil.copy(REPO_CONFIG, project / CONFIG)
    for path in GOOD_CONFIGS:
        shutil.copy(path, project / "configs" / path.name)
    for index, config in enumerate(_drawn(configs(), examples(500))):
        config = {**config, "output": f"drawn_{index}.md"}
        (project / "configs" / f"drawn_{index}.yaml").write_text(
            yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
        )
    other = shutil.copytree(project, tmp_path / "seed-12345", symlinks=True)

    first = run_process(
        project, "--write", "--no-cache", env={**clean_env(), "PYTHONHASHSEED": "0"}
    )
    second = run_process(
        other, "--write", "--no-cache", env={**clean_env(), "PYTHONHASHSEED": "12345"}
    )
    assert first.returncode in (0, 1), first.stderr
    assert (second.returncode, second.stdout, second.stderr) == (
        first.returncode,
        first.stdout,
        first.stderr,
    )
    documents = sorted(path.relative_to(project) for path in project.rglob("*.md"))
    assert len(documents) == 1 + len(GOOD_CONFIGS) + examples(500)
    assert sorted(path.relative_to(other) for path in other.rglob("*.md")) == documents
    for document in documents:
        assert (other / document).read_bytes() == (project / document).read_bytes(), document


GROWING = ("seq_len", "n_layers", "vocab_size")


@settings(max_examples=examples(1000), deadline=None)
@given(
    model=hyperparameters(),
    key=st.sampled_from(GROWING),
    more=st.integers(1, 4096),
    mib=st.integers(1, 16384),
    more_mib=st.integers(1, 16384),
)
def test_users_fall_as_the_model_grows_and_rise_with_memory(
    model: dict[str, int], key: str, more: int, mib: int, more_mib: int
) -> None:
    available = mib * 1024 * 1024
    base = size_model(Hyperparameters(**model))
    grown = size_model(Hyperparameters(**{**model, key: model[key] + more}))
    assert grown.max_concurrent_users(available) <= base.max_concurrent_users(available)
    richer = available + more_mib * 1024 * 1024
    assert base.max_concurrent_users(richer) >= base.max_concurrent_users(available)


def _only_config_errors(raw: bytes) -> None:
    try:
        parse_config(decode_config(raw, "fuzz.yaml"), Path("fuzz.yaml"))
    except ConfigError as error:
        assert error.problems
        assert all("\n" not in str(problem) for problem in error.problems)


@pytest.mark.slow
@settings(max_examples=examples(3000), deadline=None)
@given(raw=st.binary(max_size=400))
def test_random_bytes_never_crash(raw: bytes) -> None:
    _only_config_errors(raw)


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "output",
                    "models",
                    "canister",
                    "memory_mib",
                    "wasm",
                    "name",
                    "dim",
                    "n_heads",
                    "title",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@pytest.mark.slow
@settings(max_examples=examples(2000), deadline=None)
@given(document=yaml_values)
def test_random_yaml_documents_never_crash(document: object) -> None:
    _only_config_errors(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(config=configs(), data=st.data())
def test_mutated_valid_configs_never_crash(config: dict[str, object], data: st.DataObject) -> None:
    """Valid configs with one value replaced by anything: errors, never crashes."""
    models = config["models"]
    assert isinstance(models, list)
    model = data.draw(st.sampled_from(models))
    key = data.draw(st.sampled_from([*model.keys(), "checkpoint", "min_concurrent_users"]))
    model[key] = data.draw(yaml_values)
    _only_config_errors(yaml.safe_dump(config, allow_unicode=True).encode("utf-8"))
