"""How a failing llama_cpp_canister model is told, and that its remedies mend it:
each way it fails gets a remedy of its own, and the values they suggest, put
in the config, make the check pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fixtures import DATA, Run, examples

MIB = 1024 * 1024
BASE = yaml.safe_load((DATA / "configs" / "good" / "lcc_minimal.yaml").read_text())


def _config(file_mib: int, ctx_size: int, memory_mib: int, min_headroom: int, max_file: int) -> Any:
    model = {
        **BASE["models"][0],
        "ctx_size": ctx_size,
        "architecture": {**BASE["models"][0]["architecture"], "file_bytes": file_mib * MIB},
    }
    return {
        **BASE,
        "output": "sizes.md",
        "canister": {"memory_mib": memory_mib},
        "min_headroom_mib": min_headroom,
        "max_model_file_mib": max_file,
        "models": [model],
    }


def _checked(run: Run, config: Any) -> tuple[int, str, dict[str, Any]]:
    """The exit code, the text report and the JSON model of ``config`` written."""
    Path("sizes.yaml").write_text(yaml.safe_dump(config))
    text = run("--no-cache", "--write", "--config", "sizes.yaml")
    outcome = run("--no-cache", "--format", "json", "--config", "sizes.yaml")
    assert outcome.code == text.code in (0, 1), text.err
    return text.code, text.out, json.loads(outcome.out)["configs"][0]["models"][0]


def test_a_model_failing_twice_gets_both_remedies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    """Regression: a file too large and a short headroom got only ctx_size and
    memory advice, and following it the check still failed."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = _checked(run, _config(1700, 2048, 200, 100, 1536))
    assert code == 1
    assert out.splitlines()[1:] == [
        "sizes.yaml:6:3: model tiny: its GGUF file is 1700.00 MB, above max_model_file_mib "
        "1536: the canister cannot read it from stable memory in one message (in 2026 a "
        "1396.18 MB file (Qwen2.5-1.5B Q6_K) failed to load with IC0524 and a 1061.44 MB one "
        "(TriLM-3.9B TQ2_0) loaded); and it leaves 70.32 MB of heap free, below its "
        "min_headroom_mib of 100",
        "  to leave 100 MiB free: ctx_size at most 300 (now 2048), or canister.memory_mib at "
        "least 230 (now 200); and for its file: use a smaller quantization (a file of at most "
        "1536 MiB), or max_model_file_mib at least 1700 (now 1536) if the canister reads a "
        "file that large in one message",
    ]


def test_a_file_beyond_what_one_message_reads_is_told_to_shrink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, model = _checked(run, _config(2049, 2048, 3072, 0, 1536))
    assert code == 1
    assert out.splitlines()[2] == (
        "  use a smaller quantization (a file of at most 1536 MiB); no canister reads more "
        "than 2048 MiB in one message"
    )
    assert model["remedy"] == {"ctx_size": None, "memory_mib": None, "max_model_file_mib": None}


@pytest.mark.slow
@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    file_mib=st.integers(1, 2100),
    ctx_size=st.integers(1, 65536),
    memory_mib=st.integers(1, 4096),
    min_headroom=st.integers(0, 4096),
    max_file=st.integers(1, 2048),
)
@example(file_mib=1700, ctx_size=2048, memory_mib=200, min_headroom=100, max_file=1536)
def test_following_every_remedy_given_passes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Run,
    file_mib: int,
    ctx_size: int,
    memory_mib: int,
    min_headroom: int,
    max_file: int,
) -> None:
    """Each remedy's values put in the config (the ctx_size, or else the
    memory, with the file limit) make the check pass."""
    monkeypatch.chdir(tmp_path)
    config = _config(file_mib, ctx_size, memory_mib, min_headroom, max_file)
    code, _, model = _checked(run, config)
    if code == 0:
        return
    fix = model["remedy"]
    if file_mib > max_file and fix["max_model_file_mib"] is None:
        return  # only a smaller file can mend it: no value to put in
    if fix["max_model_file_mib"] is not None:
        config["max_model_file_mib"] = fix["max_model_file_mib"]
    shorter = {**config, "models": [{**config["models"][0], "ctx_size": fix["ctx_size"]}]}
    larger = {**config, "canister": {"memory_mib": fix["memory_mib"]}}
    alternatives = [
        *([shorter] if fix["ctx_size"] is not None else []),
        *([larger] if fix["memory_mib"] is not None else []),
        *([config] if model["headroom_bytes"] >= min_headroom * MIB else []),
    ]
    for mended in alternatives:
        assert _checked(run, mended)[0] == 0, (mended, fix)


def _users_config(ctx_size: int, min_users: int, session_tokens: int | None) -> Any:
    model = {**BASE["models"][0], "ctx_size": ctx_size}
    tokens = {} if session_tokens is None else {"session_tokens": session_tokens}
    return {
        **BASE,
        "output": "sizes.md",
        "canister": {"memory_mib": 4096},
        "min_users": min_users,
        **tokens,
        "models": [model],
    }


def test_too_few_users_fails_at_the_model_with_every_remedy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, model = _checked(run, _users_config(2048, 200_000, None))
    assert code == 1
    assert out.splitlines()[1:] == [
        "sizes.yaml:5:3: model tiny: its stable memory holds the saved sessions of 125122 "
        "users, below its min_users of 200000 (short by 74878)",
        "  to hold the saved sessions of 200000 users: ctx_size at most 1024 (now 2048), or "
        "cache_type_k q8_0 (now f16) and cache_type_v q8_0 (now f16), or spread them over 2 "
        "canisters of this model",
    ]
    assert model["users_remedy"] == {
        "ctx_size": 1024,
        "session_tokens": None,
        "cache_type_k": "q8_0",
        "cache_type_v": "q8_0",
        "canisters": 2,
    }
    code, out, model = _checked(run, _users_config(2048, 200_000, 1500))
    assert (
        "  to hold the saved sessions of 200000 users: session_tokens at most 1277 (now 1500)"
        in out
    )
    assert model["session_sized_by"] == "session_tokens"


@pytest.mark.slow
@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ctx_size=st.integers(1, 65536),
    min_users=st.integers(0, 3_000_000),
    session_tokens=st.none() | st.integers(1, 65536),
)
@example(ctx_size=2048, min_users=200_000, session_tokens=None)
def test_following_every_users_remedy_passes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Run,
    ctx_size: int,
    min_users: int,
    session_tokens: int | None,
) -> None:
    """A model whose canister holds too few users: each value its remedy gives,
    put in the config, makes the check pass; and the canisters it names, each
    holding its share of the users, pass too."""
    monkeypatch.chdir(tmp_path)
    config = _users_config(ctx_size, min_users, session_tokens)
    code, _, model = _checked(run, config)
    if code == 0:
        assert model["users"] >= min_users
        return
    assert model["users"] < min_users and model["headroom_bytes"] >= 0
    fix = model["users_remedy"]
    plain = config["models"][0]
    alternatives = []
    if fix["ctx_size"] is not None:
        alternatives.append({**config, "models": [{**plain, "ctx_size": fix["ctx_size"]}]})
    if fix["session_tokens"] is not None:
        alternatives.append({**config, "session_tokens": fix["session_tokens"]})
    if fix["cache_type_k"] is not None:
        cache = {"cache_type_k": fix["cache_type_k"], "cache_type_v": fix["cache_type_v"]}
        alternatives.append({**config, "models": [{**plain, **cache}]})
    if fix["canisters"] is not None:
        alternatives.append({**config, "min_users": -(-min_users // fix["canisters"])})
    assert alternatives
    for mended in alternatives:
        assert _checked(run, mended)[0] == 0, (mended, fix)
