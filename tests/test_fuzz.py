"""The whole command, fuzzed in-process: no model name, committed document,
config or GGUF header makes it crash. Every run ends 0, 1 or 2 and prints no
traceback (exit 3 is a bug, and a traceback in a workflow log carries what a
stranger wrote).

Each example runs ``main`` in a folder of its own inside a real project, as
the command line would; named regression cases hold each crash found.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fixtures import DATA, Outcome, Run, examples, model_names

GOOD = DATA / "configs" / "good"
CONFIGS = {
    "icpp_llama2": yaml.safe_load((GOOD / "minimal.yaml").read_text()),
    "llama_cpp_canister": yaml.safe_load((GOOD / "lcc_minimal.yaml").read_text()),
}
FUZZ = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _handled(run: Run, *args: str) -> Outcome:
    outcome = run(*args)
    shown = outcome.out + outcome.err
    assert outcome.code in (0, 1, 2), shown
    assert "Traceback" not in shown, shown
    return outcome


class Case:
    """A folder of its own in the project, holding one config."""

    def __init__(self, project: Path, config: object) -> None:
        self.folder = Path(tempfile.mkdtemp(dir=project))
        self.config = self.folder / "sizes.yaml"
        self.config.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self.argument = str(self.config.relative_to(project))

    def check(self, run: Run, *args: str) -> Outcome:
        return _handled(run, "--no-cache", *args, "--config", self.argument)

    def document(self) -> Path:
        return self.folder / "doc.md"


def _config(runtime: str, names: list[str], **keys: object) -> dict[str, Any]:
    base = CONFIGS[runtime]
    model = base["models"][0]
    return {**base, "output": "doc.md", **keys, "models": [{**model, "name": n} for n in names]}


# ---- model names ---------------------------------------------------------------------

any_names = st.lists(
    model_names() | st.text(min_size=1, max_size=12), min_size=1, max_size=3, unique=True
)


@pytest.mark.slow
@settings(max_examples=examples(300), **FUZZ)
@given(names=any_names, runtime=st.sampled_from(sorted(CONFIGS)), style=st.booleans())
@example(names=["tiny<br>(MB)"], runtime="llama_cpp_canister", style=False)
@example(names=["tiny<br>(MB)", "tiny"], runtime="icpp_llama2", style=True)
def test_any_model_name_writes_then_checks_a_stale_document(
    project: Path, run: Run, names: list[str], runtime: str, style: bool
) -> None:
    layout = {"style": "aligned", "compare": "content"} if style else {}
    case = Case(project, _config(runtime, names, **layout))
    if case.check(run, "--write").code == 2:
        return  # a name the config refuses
    # Every number changed: each table has a stale cell in every column.
    document = case.document()
    document.write_text(re.sub(r"\d", "7", document.read_text(encoding="utf-8")))
    assert case.check(run).code == 1


def test_a_name_ending_in_the_unit_suffix_gets_a_stale_check(project: Path, run: Run) -> None:
    """Regression: a stale heap cell of a model named "tiny<br>(MB)" crashed the check."""
    case = Case(project, _config("llama_cpp_canister", ["tiny<br>(MB)"]))
    assert case.check(run, "--write").code == 0
    text = case.document().read_text()
    case.document().write_text(text.replace("Total heap | ", "Total heap | 9"))
    outcome = case.check(run)
    assert outcome.code == 1
    assert "tiny<br>(MB) · Total heap: 9" in outcome.out


# ---- committed documents ---------------------------------------------------------------

_PIECES = ["<br>(MB)", "<br>", "(MB)", "|", "\\|", "`", "---", "#", " ", "\n", "\r", "\t", "7"]
pieces = st.sampled_from(_PIECES) | st.text(max_size=6)


@st.composite
def mutations(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few lines or cells replaced, removed, repeated or added to."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, max(0, len(lines) - 1)))
        line = lines[index] if lines else ""
        cells = line.split("|")
        kind = draw(st.sampled_from(["cell", "delete", "repeat", "insert", "swap"]))
        if kind == "cell":
            at = draw(st.integers(0, len(cells) - 1))
            cells[at] = draw(st.sampled_from(["", cells[at]])) + draw(pieces)
            lines[index : index + 1] = ["|".join(cells)]
        elif kind == "delete":
            del lines[index : index + 1]
        elif kind == "repeat":
            lines[index:index] = [line]
        elif kind == "insert":
            lines[index:index] = [draw(pieces)]
        elif len(cells) > 2:
            cells[1], cells[-1] = cells[-1], cells[1]
            lines[index] = "|".join(cells)
    return "\n".join(lines)


@pytest.mark.slow
@settings(max_examples=examples(500), **FUZZ)
@given(
    names=st.lists(model_names(), min_size=1, max_size=3, unique=True),
    runtime=st.sampled_from(sorted(CONFIGS)),
    style=st.booleans(),
    data=st.data(),
)
def test_any_committed_document_is_checked(
    project: Path, run: Run, names: list[str], runtime: str, style: bool, data: st.DataObject
) -> None:
    layout = {"style": "aligned", "compare": "content"} if style else {}
    case = Case(project, _config(runtime, names, **layout))
    if case.check(run, "--write").code == 2:
        return
    document = case.document()
    document.write_text(data.draw(mutations(document.read_text(encoding="utf-8"))), "utf-8")
    case.check(run)


# ---- configs -----------------------------------------------------------------------------


def _mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` nine times in ten: most configs get past the schema to be sized."""
    return st.integers(0, 9).flatmap(lambda pick: usual if pick else rare)


numbers = _mostly(
    st.integers(1, 64) | st.integers(1, 2**20) | st.integers(1, 2**40),
    st.integers(-(2**70), 2**70),
)
values = numbers | st.none() | st.booleans() | st.text(max_size=10) | st.floats()
SETTINGS = {
    "ctx_size": numbers,
    "batch_size": numbers,
    "ubatch_size": numbers,
    "cache_type_k": _mostly(st.sampled_from(["f16", "q8_0", "q4_0", "bf16", "f32"]), values),
    "cache_type_v": _mostly(st.sampled_from(["f16", "q8_0", "q4_0", "bf16", "f32"]), values),
    "flash_attn": _mostly(st.sampled_from([True, False, "auto"]), values),
    "warmup": _mostly(st.booleans(), values),
    "min_headroom_mib": numbers,
    "min_users": numbers,
    "session_tokens": numbers,
}
ARCHITECTURE = [
    *("n_layer", "n_embd", "n_head", "n_head_kv", "head_dim_k", "head_dim_v", "n_ff"),
    *("n_vocab", "tensor_data_bytes", "file_bytes", "context_length", "sliding_window"),
    *("sliding_window_pattern", "n_tensors", "n_merges", "arch", "tokenizer"),
    "shortconv_l_cache",
]
# A per-layer value: one number, or a list of any length (lfm2's zeros among them).
per_layer = numbers | st.lists(st.integers(0, 8) | numbers | values, max_size=40)
ARCHITECTURE_VALUES = {
    "n_head": per_layer,
    "n_head_kv": per_layer,
    "n_ff": per_layer,
    "sliding_window_pattern": numbers | st.lists(_mostly(st.booleans(), values), max_size=40),
    "arch": _mostly(st.sampled_from(["llama", "gemma3", "lfm2", "phi3", "exaone4"]), values),
    "tokenizer": _mostly(st.sampled_from(["llama", "gpt2", "bert", "t5", "none"]), values),
}
HYPERPARAMETERS = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size"]
TOP = {
    "canister": _mostly(
        st.fixed_dictionaries(
            {}, optional={"memory_mib": numbers, "wasm": st.sampled_from(["wasm32", "wasm64"])}
        ),
        values,
    ),
    "min_concurrent_users": numbers,
    "min_headroom_mib": numbers,
    "max_model_file_mib": numbers,
    "min_users": numbers,
    "session_tokens": numbers,
    "subnet_size": numbers,
    "title": _mostly(st.text(max_size=10), values),
}


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    """A config of either runtime with its numbers anywhere, within the schema
    or not, and a few keys added, replaced or of the other runtime."""
    runtime = draw(st.sampled_from(sorted(CONFIGS)))
    config = _config(runtime, draw(st.lists(model_names(), min_size=1, max_size=3, unique=True)))
    keys = ARCHITECTURE + list(SETTINGS) if runtime == "llama_cpp_canister" else HYPERPARAMETERS
    for model in config["models"]:
        for _ in range(draw(st.integers(0, 4))):
            key = draw(_mostly(st.sampled_from([*keys, "seq_len"]), st.just("x")))
            value = draw(SETTINGS.get(key, ARCHITECTURE_VALUES.get(key, numbers)))
            if key in ARCHITECTURE:
                model["architecture"] = {**model["architecture"], key: value}
            else:
                model[key] = value
    for key in draw(st.lists(st.sampled_from(sorted(TOP)), max_size=3, unique=True)):
        config[key] = draw(TOP[key])
    return config


@pytest.mark.slow
@settings(max_examples=examples(500), **FUZZ)
@given(config=configs())
@example(config=_config("llama_cpp_canister", ["m"], min_headroom_mib=2**64))
def test_any_config_is_written_and_checked(project: Path, run: Run, config: dict[str, Any]) -> None:
    case = Case(project, config)
    case.check(run, "--write")
    case.check(run)


# ---- GGUF headers --------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["llama", "lfm2"])
def gguf_file(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> bytes:
    """The bytes of a small real GGUF file: a llama, or an lfm2 whose header
    holds per-layer arrays (key/value heads, feed-forward lengths) to break."""
    folder = tmp_path_factory.mktemp("gguf")
    if request.param == "lfm2":
        gguf = pytest.importorskip("tests.gguf.files")
        spec = gguf.SPECS["lfm2_window_per_layer_ff_none"]
        return Path(gguf.write_model(folder / "lfm2.gguf", spec)).read_bytes()
    files = pytest.importorskip("tests.runtimes.llama_cpp_canister.gguf_files")
    spec = files.ModelSpec("fuzz", "llama", 1, 64, 2, 1, 128, 256, "Q8_0", True)
    return Path(files.write_model(folder, spec)).read_bytes()


@pytest.mark.slow
@settings(max_examples=examples(500), **FUZZ)
@given(
    changes=st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), max_size=8),
    cut=st.none() | st.integers(0, 4096),
    data=st.data(),
)
def test_any_gguf_header_is_read_or_refused(
    project: Path,
    run: Run,
    gguf_file: bytes,
    changes: list[tuple[int, int]],
    cut: int | None,
    data: st.DataObject,
) -> None:
    content = bytearray(gguf_file)
    for at, byte in changes:
        content[at % len(content)] = byte
    if cut is not None:
        content = content[:cut]
    overrides = data.draw(st.dictionaries(st.sampled_from(sorted(SETTINGS)), numbers, max_size=2))
    case = Case(project, {"runtime": "llama_cpp_canister", "output": "doc.md", "models": []})
    (case.folder / "model.gguf").write_bytes(bytes(content))
    config = {**CONFIGS["llama_cpp_canister"], "output": "doc.md"}
    config["models"] = [{"name": "m", "gguf": "model.gguf", **overrides}]
    case.config.write_text(yaml.safe_dump(config))
    case.check(run, "--write")
    _handled(run, "describe-gguf", str(case.folder / "model.gguf"))
