"""Mamba2's mixer in the reserve graph (src/models/mamba-base.cpp's
build_mamba2_layer); the whole graph is held to llama.cpp's node by node in
the recorded cases, these pin what each part must be."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.graph import reserve_graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.ggml import Graph
from icpp_sizer_check.runtimes.llama_cpp_canister.graph.memory import Ubatch
from tests.runtimes.llama_cpp_canister.shapes import GRANITE_4_0_H_1B

TOKENS = 8
UBATCH = Ubatch(TOKENS, TOKENS, True, "q8_0", "q8_0", 4096, 0)
MIXERS = 36


def _ops(graph: Graph, op: str) -> list[tuple[int, ...]]:
    return [node.ne for node in graph.nodes if node.op == op]


def test_the_scan_returns_each_token_s_output_then_the_last_state() -> None:
    """ggml_ssm_scan: d_inner values a token, then d_state x d_inner of state."""
    scans = _ops(reserve_graph(GRANITE_4_0_H_1B, UBATCH), "SSM_SCAN")
    assert scans == [(3072 * TOKENS + 128 * 3072, 1, 1, 1)] * MIXERS


def test_the_convolution_runs_over_x_b_and_c_after_the_last_inputs() -> None:
    """ggml_ssm_conv over d_conv - 1 saved inputs and the ubatch's tokens."""
    graph = reserve_graph(GRANITE_4_0_H_1B, UBATCH)
    assert _ops(graph, "CONCAT") == [(3 + TOKENS, 3328, 1, 1)] * MIXERS
    assert _ops(graph, "SSM_CONV") == [(3328, TOKENS, 1, 1)] * MIXERS


def test_each_mixer_writes_back_its_convolution_and_ssm_states() -> None:
    graph = reserve_graph(GRANITE_4_0_H_1B, UBATCH)
    written = [n.ne[0] for n in graph.nodes if n.op == "CPY" and n.nelements]
    assert written == [3 * 3328, 128 * 3072] * MIXERS


def test_the_gated_output_is_normed_per_group() -> None:
    grouped = GRANITE_4_0_H_1B._replace(ssm_n_group=4)
    norms = _ops(reserve_graph(grouped, UBATCH), "RMS_NORM")
    assert norms.count((768, 4, TOKENS, 1)) == MIXERS


def test_granite_4_0_h_does_not_rotate_and_a_rotating_file_does() -> None:
    """granite-hybrid.cpp applies RoPE only when rope.scaling.finetuned is
    true; Granite 4.0 H files say false (convert_hf_to_gguf: no RoPE when
    the model has Mamba layers, unless it is Bamba)."""
    assert not _ops(reserve_graph(GRANITE_4_0_H_1B, UBATCH), "ROPE")
    rotating = GRANITE_4_0_H_1B._replace(rope_finetuned=True)
    assert len(_ops(reserve_graph(rotating, UBATCH), "ROPE")) == 2 * 4
