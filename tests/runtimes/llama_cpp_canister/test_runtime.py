"""The llama_cpp_canister runtime through the command line: its JSON keys, its
failures and remedies, its document under --write and a changed setting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from icpp_sizer_check.canister import MIB
from icpp_sizer_check.results import ModelStatus
from icpp_sizer_check.runtimes.llama_cpp_canister import status_of
from tests.fixtures import DATA, Run, edit, probe

PUBLISHED = DATA / "published" / "llama_cpp_canister.yaml"
BYTES_KEYS = [
    "weights",
    "kv_cache",
    "output",
    "compute",
    "chunking",
    "overhead",
    "heap",
    "session",
    "file",
]


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    """The published models' config in a project of its own, its document written."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "sizes.yaml"
    shutil.copy(PUBLISHED, config)
    assert run("--write", "--config", "sizes.yaml").code == 0
    return config


def test_json_has_every_buffer_in_bytes(published: Path, run: Run) -> None:
    outcome = run("--format", "json", "--config", "sizes.yaml")
    assert outcome.code == 0, outcome.err
    models = json.loads(outcome.out)["configs"][0]["models"]
    assert [model["name"] for model in models] == [
        "qwen3-0.6b-q8_0",
        "qwen3-1.7b-q4_k_m",
        "qwen3-1.7b-q4_k_m-ubatch-512",
        "gemma-3-270m-q8_0",
        "lfm2.5-1.2b-q4_k_m",
        "lfm2.5-2.6b-q4_k_m",
    ]
    for model in models:
        sizes = model["bytes"]
        assert list(sizes) == BYTES_KEYS
        assert all(type(value) is int for value in sizes.values())
        parts = ("weights", "kv_cache", "output", "compute", "chunking", "overhead")
        assert sizes["heap"] == sum(sizes[part] for part in parts)
        assert model["headroom_bytes"] == 3840 * MIB - sizes["heap"]
        assert model["status"] == "ok"
        assert type(model["max_ctx_size"]) is int
    assert models[0]["bytes"]["kv_cache"] == 998_244_352
    assert models[0]["max_ctx_size"] % 256 == 0


def test_a_longer_context_stales_the_document_and_names_the_cells(
    published: Path, run: Run
) -> None:
    edit(published, "ctx_size: 16384", "ctx_size: 20000")
    outcome = run("--config", "sizes.yaml")
    assert outcome.code == 1
    assert "qwen3-0.6b-q8_0 · ctx_size: 16384 → 20000" in outcome.out
    assert "qwen3-0.6b-q8_0 · KV cache (KV buffer): 952.00 → 1175.12 MB" in outcome.out
    assert "is stale; fix it with: icpp-sizer-check --write --config sizes.yaml" in outcome.out


def test_too_little_headroom_fails_at_the_model_with_a_remedy(published: Path, run: Run) -> None:
    edit(published, "memory_mib: 3840", "memory_mib: 2100")
    outcome = run("--write", "--config", "sizes.yaml")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    failure = next(line for line in lines if "qwen3-1.7b-q4_k_m" in line and "below" in line)
    assert failure.startswith("sizes.yaml:41:5: model qwen3-1.7b-q4_k_m leaves ")
    assert "below its min_headroom_mib of 64" in failure
    remedy = lines[lines.index(failure) + 1]
    assert remedy.startswith("  to leave 64 MiB free: ctx_size at most ")
    assert remedy.endswith("(now 16384), or canister.memory_mib at least 2161 (now 2100)")


@pytest.mark.parametrize(
    ("heap", "file", "status"),
    [
        (100, 10, ModelStatus.OK),
        (100, 60, ModelStatus.FILE_TOO_LARGE),
        (190, 10, ModelStatus.BELOW_THRESHOLD),
        (201, 60, ModelStatus.DOES_NOT_FIT),
        (200, 50, ModelStatus.BELOW_THRESHOLD),
    ],
)
def test_failing_model_rule(heap: int, file: int, status: ModelStatus) -> None:
    assert status_of(heap, 200 - heap, file, limit=200, min_headroom=20, max_file=50) == status


@pytest.mark.parametrize(
    ("heap", "file", "status"),
    [
        (100, 10, ModelStatus.BELOW_THRESHOLD),
        (100, 60, ModelStatus.FILE_TOO_LARGE),
        (201, 10, ModelStatus.DOES_NOT_FIT),
    ],
)
def test_too_few_users_fails_after_the_heap_and_the_file(
    heap: int, file: int, status: ModelStatus
) -> None:
    assert status_of(heap, 200 - heap, file, 200, 20, 50, users_short=True) == status


def test_json_has_the_users_and_what_storing_them_costs(published: Path, run: Run) -> None:
    edit(published, "min_headroom_mib: 64", "min_headroom_mib: 64\nsubnet_size: 34")
    assert run("--write", "--config", "sizes.yaml").code == 0
    outcome = run("--format", "json", "--config", "sizes.yaml")
    models = {model["name"]: model for model in json.loads(outcome.out)["configs"][0]["models"]}
    qwen = models["qwen3-0.6b-q8_0"]
    assert (qwen["users"], qwen["min_users"], qwen["users_remedy"]) == (533, 1, None)
    assert (qwen["session_tokens"], qwen["session_sized_by"]) == (16384, "full-context")
    assert qwen["stable_bytes"]["cap"] == 500 * 1024**3
    assert qwen["stable_bytes"]["session"] == qwen["bytes"]["session"]
    cost = qwen["storage_cycles_per_30_days"]
    assert (cost["subnet_size"], cost["fee_per_gib_second"]) == (34, 332_153)
    per_gib_month = 332_153 * 30 * 24 * 3600
    assert cost["heap"] == qwen["bytes"]["heap"] * per_gib_month // 1024**3
    assert cost["per_user"] == qwen["stable_bytes"]["per_user"] * per_gib_month // 1024**3
    # The trained context caps the largest that fits; the heap's own bound beside it.
    assert qwen["max_ctx_size"] == 40960 < qwen["max_ctx_size_for_heap"]


def _short_of_users(out: str) -> list[str]:
    """The models a check found holding too few users, in order."""
    return [
        line.split(": model ")[1].split(":")[0] for line in out.splitlines() if "min_users" in line
    ]


def test_a_models_own_min_users_and_session_tokens_win(published: Path, run: Run) -> None:
    """Each qwen3 holds 533 users at full context: 600 fails them all, until the
    first sizes its users at 4096 tokens and the second asks for 500."""
    edit(published, "min_headroom_mib: 64", "min_headroom_mib: 64\nmin_users: 600")
    outcome = run("--write", "--config", "sizes.yaml")
    assert outcome.code == 1
    qwens = ["qwen3-0.6b-q8_0", "qwen3-1.7b-q4_k_m", "qwen3-1.7b-q4_k_m-ubatch-512"]
    assert _short_of_users(outcome.out) == qwens
    edit(published, "    warmup: false\n", "    warmup: false\n    session_tokens: 4096\n")
    edit(
        published,
        "  - name: qwen3-1.7b-q4_k_m\n",
        "  - name: qwen3-1.7b-q4_k_m\n    min_users: 500\n",
    )
    outcome = run("--write", "--config", "sizes.yaml")
    assert _short_of_users(outcome.out) == qwens[2:]


def test_a_check_that_sizes_no_gguf_model_loads_nothing_of_gguf(
    committed: Path, tmp_path: Path
) -> None:
    """The hook's start-up: a check of icpp_llama2 configs alone imports neither
    the GGUF runtime nor numpy or gguf; one of a GGUF model imports the runtime only."""
    plain = probe(committed, tmp_path / "home", "--no-cache")
    assert plain.code == 0
    assert plain.loaded == {"yaml", "jsonschema"}
    shutil.copy(PUBLISHED, committed / "configs" / "published.yaml")
    gguf = probe(committed, tmp_path / "home", "--no-cache", "--write")
    assert gguf.code == 0, gguf.out
    assert gguf.loaded == {"yaml", "jsonschema", "icpp_sizer_check.runtimes.llama_cpp_canister"}


def test_written_architecture_values_override_the_header(tmp_path: Path, run: Run) -> None:
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    model = write_model(tmp_path, SPECS_BY_NAME["qwen2_q8_0_untied"])
    config = tmp_path / "sizes.yaml"
    config.write_text(
        "runtime: llama_cpp_canister\noutput: sizes.md\nmodels:\n  - name: m\n"
        f"    gguf: {model.name}\n    ctx_size: 1024\n"
        "    architecture:\n      n_vocab: 151936\n      n_layer: 2\n"
    )
    assert run("--write", "--config", str(config)).code == 0
    outcome = run("--format", "json", "--config", str(config))
    [found] = json.loads(outcome.out)["configs"][0]["models"]
    assert found["architecture"]["n_vocab"] == 151936
    assert found["bytes"]["output"] == 151936 * 4
    assert found["gguf"]["header"]["n_vocab"] == 24576
    assert found["gguf"]["overrides"] == {
        "n_vocab": {"header": 24576, "config": 151936},
        "n_layer": {"header": 2, "config": 2},
    }
    detail = run("-v", "--config", str(config)).out
    assert (
        "; architecture from qwen2_q8_0_untied.gguf; the config overrides n_vocab 24576 -> 151936"
        in detail
    )


def test_a_header_value_no_config_could_write_is_an_error_unless_overridden(
    tmp_path: Path, run: Run
) -> None:
    from tests.runtimes.llama_cpp_canister.gguf_files import SPECS_BY_NAME, write_model

    spec = SPECS_BY_NAME["llama_f16_tied"]._replace(context_length=2**32 - 1)
    model = write_model(tmp_path, spec)
    config = tmp_path / "sizes.yaml"
    text = (
        "runtime: llama_cpp_canister\noutput: sizes.md\nmodels:\n  - name: m\n"
        f"    gguf: {model.name}\n    ctx_size: 1024\n"
    )
    config.write_text(text)
    refused = run("--write", "--config", str(config))
    assert refused.code == 2 and not (tmp_path / "sizes.md").exists()
    assert refused.err.startswith("sizes.yaml:5:11: models[0].gguf: the header of ")
    assert "has context_length = 4294967295; it must be from 1 to 2147483647: write " in refused.err
    config.write_text(text + "    architecture:\n      context_length: 40960\n")
    assert run("--write", "--config", str(config)).code == 0
    described = run("describe-gguf", str(model))
    assert described.code == 2
    assert "its header has context_length = 4294967295; a config takes 1 to" in described.err


def test_a_max_tokens_update_one_call_cannot_afford_fails_with_its_remedy(
    published: Path, run: Run
) -> None:
    edit(
        published,
        "  - name: gemma-3-270m-q8_0\n",
        "  - name: gemma-3-270m-q8_0\n    max_tokens_update: 45\n",
    )
    outcome = run("--write", "--config", "sizes.yaml")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    failure = next(line for line in lines if "max_tokens_update of 45" in line)
    assert failure == (
        "sizes.yaml:108:5: model gemma-3-270m-q8_0: max_tokens_update of 45 does not fit one "
        "update call that ends a conversation at 4096 tokens: it takes 40.6 billion "
        "instructions, and the IC stops a call at 40 billion"
    )
    remedy = lines[lines.index(failure) + 1]
    assert remedy.startswith("  to fit one update call: set max_tokens_update to at most 44, or ")
    report = json.loads(run("--format", "json", "--config", "sizes.yaml").out)
    [gemma] = [m for m in report["configs"][0]["models"] if m["name"] == "gemma-3-270m-q8_0"]
    assert gemma["status"] == ModelStatus.BELOW_THRESHOLD.value
    assert gemma["max_tokens_update"] == 45
    assert gemma["tokens_per_update_call"] == {
        "prompt": 149,
        "generated": 61,
        "generated_late": 44,
        "position": 4096,
    }


def test_a_shorter_saved_session_affords_more_tokens(published: Path, run: Run) -> None:
    edit(
        published,
        "  - name: gemma-3-270m-q8_0\n",
        "  - name: gemma-3-270m-q8_0\n    max_tokens_update: 45\n    session_tokens: 1024\n",
    )
    assert run("--write", "--config", "sizes.yaml").code == 0


def test_max_tokens_update_needs_the_weights_types(published: Path, run: Run) -> None:
    edit(published, "      matrix_types: {q8_0: 440401920}\n", "")
    edit(
        published,
        "  - name: qwen3-0.6b-q8_0\n",
        "  - name: qwen3-0.6b-q8_0\n    max_tokens_update: 20\n",
    )
    outcome = run("--config", "sizes.yaml")
    assert outcome.code == 2
    assert (
        "models[0].max_tokens_update: counting an update call's instructions needs" in outcome.err
    )
    assert "write matrix_types and output_type under architecture" in outcome.err
