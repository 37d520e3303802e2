"""The llama_cpp_canister document's tables, cell by cell, and how comparison
reads their columns, units and names."""

from __future__ import annotations

from icpp_sizer_check.markdown import Table
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.document import (
    LAYOUT,
    column_heading,
    document_tables,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import Context, LlamaCppSizing

MIB = 1024 * 1024
SHAPE = Architecture(2, 64, 4, 2, 16, 16, 128, 1000, 10 * MIB, 11 * MIB, arch="qwen3")


def _sizing(n_ctx: int, base: int) -> LlamaCppSizing:
    """Each buffer a different whole number of MiB, so that no cell repeats another."""
    return LlamaCppSizing(
        context=Context(n_ctx, 64, 32, 0),
        weights=base * MIB,
        kv_cache=(base + 1) * MIB,
        output=(base + 2) * MIB,
        compute=(base + 3) * MIB,
        overhead=(base + 4) * MIB,
        session=(base + 7) * MIB // 4,
        file=(base + 9) * MIB,
    )


def test_the_four_tables_cell_by_cell() -> None:
    models = [
        LlamaCppModel(SHAPE, Settings(1000, 64, 32, "q8_0", "q4_0", True, False)),
        LlamaCppModel(SHAPE._replace(arch="gemma3"), Settings(4096, flash_attn=False)),
    ]
    sizings = [_sizing(1024, 10), _sizing(4096, 100)]
    tables = document_tables(["a", "b"], models, sizings, 200 * MIB, [5000, None])
    assert tables == [
        Table(
            "llama.cpp Settings",
            ["Setting", "a", "b"],
            [
                ["architecture", "qwen3", "gemma3"],
                ["ctx_size", "1000", "4096"],
                ["batch_size", "64", "2048"],
                ["ubatch_size", "32", "512"],
                ["cache_type_k", "q8_0", "f16"],
                ["cache_type_v", "q4_0", "f16"],
                ["flash_attn", "on", "off"],
                ["warmup", "off", "on"],
                ["KV cells (ctx_size padded to 256)", "1024", "4096"],
            ],
        ),
        Table(
            "Heap Memory (under wasm_memory_limit)",
            ["Memory Type", "a<br>(MB)", "b<br>(MB)"],
            [
                ["weights (model buffer)", "10.00", "100.00"],
                ["KV cache (KV buffer)", "11.00", "101.00"],
                ["output buffer", "12.00", "102.00"],
                ["compute buffer", "13.00", "103.00"],
                ["overhead (vocabulary, graph)", "14.00", "104.00"],
                ["Total heap", "60.00", "510.00"],
            ],
        ),
        Table(
            "Canister Metrics",
            ["Canister Metrics", "a", "b"],
            [
                ["wasm_memory_limit (MB)", "200.00", "200.00"],
                ["heap headroom (MB)", "140.00", "-310.00"],
                ["largest ctx_size that fits", "5000", "none"],
                ["GGUF file (MB)", "19.00", "109.00"],
            ],
        ),
        Table(
            "Stable Memory (per user)",
            ["Memory Type", "a<br>(MB)", "b<br>(MB)"],
            [["saved session at full context", "4.25", "26.75"]],
        ),
    ]


def test_comparison_reads_models_units_and_table_names() -> None:
    assert column_heading("qwen3", True) == "qwen3<br>(MB)"
    assert column_heading("qwen3", False) == "qwen3"
    assert LAYOUT.model_of("qwen3<br>(MB)") == "qwen3"
    assert LAYOUT.model_of("qwen3") == "qwen3"
    assert LAYOUT.unit_of("KV cache (KV buffer)") == " MB"
    assert LAYOUT.unit_of("Total heap") == " MB"
    assert LAYOUT.unit_of("saved session at full context") == " MB"
    # Rows that name their unit themselves, or have none, get none.
    assert LAYOUT.unit_of("heap headroom (MB)") == ""
    assert LAYOUT.unit_of("ctx_size") == ""
    assert LAYOUT.table_of("Heap Memory (under wasm_memory_limit)") == "Heap Memory"
    assert LAYOUT.table_of("Stable Memory (per user)") == "Stable Memory"
    assert LAYOUT.table_of("Canister Metrics") == "Canister Metrics"
