"""The llama_cpp_canister document's tables, cell by cell, and how comparison
reads their columns, units and names."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from icpp_sizer_check.compare import CellChange, describe_changes
from icpp_sizer_check.markdown import Table, tables
from icpp_sizer_check.render import Style, render_document
from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture, Settings
from icpp_sizer_check.runtimes.llama_cpp_canister.document import (
    LAYOUT,
    SECTIONS,
    column_heading,
    document_tables,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.fit import Outcome
from icpp_sizer_check.runtimes.llama_cpp_canister.max_tokens import UpdateCalls
from icpp_sizer_check.runtimes.llama_cpp_canister.models import LlamaCppModel
from icpp_sizer_check.runtimes.llama_cpp_canister.sizing import Context, LlamaCppSizing
from icpp_sizer_check.runtimes.llama_cpp_canister.stable_memory import StableMemory
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import Ceilings
from tests.fixtures import examples, model_names

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
        chunking=0,
        overhead=(base + 4) * MIB,
        session=(base + 7) * MIB // 4,
        file=(base + 9) * MIB,
    )


def _held(max_ctx_size: int | None, context_length: int | None = None) -> Outcome:
    return Outcome(200 * MIB, 0, 0, max_ctx_size, context_length=context_length)


def _stable(base: int, full_context: bool = True) -> StableMemory:
    """Users and costs that no cell repeats: whole MiB, billions of cycles."""
    return StableMemory(
        tokens=base * 100,
        full_context=full_context,
        session=base * MIB,
        per_user=(base + 1) * MIB,
        gguf_stored=(base + 2) * MIB,
        users=base * 1000,
        min_users=1,
        subnet_size=13,
        heap_cycles=base * 10**9,
        gguf_cycles=(base + 1) * 10**9 + 5 * 10**6,
        user_cycles=(base + 2) * 10**9,
    )


def _no_users(count: int) -> list[StableMemory]:
    return [_stable(index + 1) for index in range(count)]


def _calls(count: int) -> list[UpdateCalls]:
    return [UpdateCalls(None, None, unknown="needs matrix_types")] * count


def test_the_six_tables_cell_by_cell() -> None:
    models = [
        LlamaCppModel(SHAPE, Settings(1000, 64, 32, "q8_0", "q4_0", True, False)),
        LlamaCppModel(
            SHAPE._replace(arch="gemma3"), Settings(4096, flash_attn=False, buffer_cap_mib=0)
        ),
    ]
    sizings = [_sizing(1024, 10), _sizing(4096, 100)]
    helds = [_held(5000, context_length=4096), _held(None)]
    stables = [_stable(3), _stable(7, full_context=False)]
    calls = [
        UpdateCalls(Ceilings(30, 20, 12, 4096), 16),
        UpdateCalls(None, None, unknown="needs matrix_types"),
    ]
    tables = document_tables(["a", "b"], models, sizings, helds, stables, calls)
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
                ["CPU buffer cap (MiB)", "128", "none"],
                ["canister's own memory (MiB)", "20", "20"],
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
                ["compute buffer (in 128 MiB chunks)", "13.00", "103.00"],
                ["overhead (canister, vocabulary, scheduler, graphs)", "14.00", "104.00"],
                ["Total heap", "60.00", "510.00"],
            ],
        ),
        Table(
            "Canister Metrics",
            ["Canister Metrics", "a", "b"],
            [
                ["wasm_memory_limit (MB)", "200.00", "200.00"],
                ["heap headroom (MB)", "140.00", "-310.00"],
                ["largest ctx_size that fits", "4096 (trained context)", "none"],
                ["GGUF file (MB)", "19.00", "109.00"],
            ],
        ),
        Table(
            "Stable Memory (per user)",
            ["Memory Type", "a<br>(MB)", "b<br>(MB)"],
            [
                ["saved session at full context", "4.25", "26.75"],
                ["saved session as sized", "3.00", "7.00"],
                ["stable memory per user (with the file system's)", "4.00", "8.00"],
            ],
        ),
        Table(
            "Users and Storage Cost",
            ["Metric", "a", "b"],
            [
                ["tokens of a saved session", "300 (full context)", "700 (session_tokens)"],
                ["users whose sessions fit", "3000", "7000"],
                ["stable memory (MB)", "512000.00", "512000.00"],
                ["file system's own (MB)", "80.06", "80.06"],
                ["GGUF file as stored (MB)", "5.00", "9.00"],
                ["subnet size (nodes)", "13", "13"],
                ["heap storage, the heap used (B cycles / 30 days)", "3.00", "7.00"],
                ["GGUF file storage (B cycles / 30 days)", "4.00", "8.01"],
                ["storage per user (B cycles / 30 days)", "5.00", "9.00"],
            ],
        ),
        Table(
            "Tokens per Update Call (40 B instructions)",
            ["Tokens", "a", "b"],
            [
                ["prompt tokens per call, new conversation", "30", "needs matrix_types"],
                ["generated tokens per call, new conversation", "20", "needs matrix_types"],
                [
                    "generated tokens per call, conversation as long as a saved session",
                    "12 (at 4096 tokens)",
                    "needs matrix_types",
                ],
                ["max_tokens_update", "16", "not set"],
            ],
        ),
    ]


def test_a_largest_context_within_the_trained_one_is_unmarked() -> None:
    model = LlamaCppModel(SHAPE, Settings(1000))
    [_, _, metrics, _, _, _] = document_tables(
        ["a", "b"],
        [model] * 2,
        [_sizing(1024, 10)] * 2,
        [_held(5000, 5000), _held(5000)],
        _no_users(2),
        _calls(2),
    )
    assert metrics.rows[2] == ["largest ctx_size that fits", "5000", "5000"]


def test_comparison_reads_models_units_and_table_names() -> None:
    assert column_heading(SECTIONS[1], "qwen3") == "qwen3<br>(MB)"
    assert column_heading(SECTIONS[0], "qwen3") == "qwen3"
    assert LAYOUT.model_of(SECTIONS[1], "qwen3<br>(MB)") == "qwen3"
    assert LAYOUT.model_of(SECTIONS[0], "qwen3") == "qwen3"
    assert LAYOUT.unit_of("KV cache (KV buffer)") == " MB"
    assert LAYOUT.unit_of("Total heap") == " MB"
    assert LAYOUT.unit_of("saved session at full context") == " MB"
    assert LAYOUT.unit_of("stable memory per user (with the file system's)") == " MB"
    assert LAYOUT.unit_of("users whose sessions fit") == ""
    assert LAYOUT.unit_of("heap storage, the heap used (B cycles / 30 days)") == ""
    # Rows that name their unit themselves, or have none, get none.
    assert LAYOUT.unit_of("heap headroom (MB)") == ""
    assert LAYOUT.unit_of("ctx_size") == ""
    assert LAYOUT.table_of("Heap Memory (under wasm_memory_limit)") == "Heap Memory"
    assert LAYOUT.table_of("Stable Memory (per user)") == "Stable Memory"
    assert LAYOUT.table_of("Canister Metrics") == "Canister Metrics"
    assert LAYOUT.table_of("Users and Storage Cost") == "Users and Storage Cost"
    assert LAYOUT.table_of(SECTIONS[5]) == "Tokens per Update Call"


def _tables(names: list[str], base: int = 10) -> list[Table]:
    model = LlamaCppModel(SHAPE, Settings(1000))
    sizings = [_sizing(1024, base + 20 * index) for index in range(len(names))]
    helds = [_held(None)] * len(names)
    count = len(names)
    return document_tables(names, [model] * count, sizings, helds, _no_users(count), _calls(count))


@settings(max_examples=examples(300))
@given(
    names=st.lists(model_names(), min_size=1, max_size=3, unique=True),
    style=st.sampled_from(Style),
)
@example(names=["tiny<br>(MB)", "tiny"], style=Style.COMPACT)
@example(names=["a<br>(MB)<br>(MB)"], style=Style.ALIGNED)
def test_every_column_heading_reads_back_as_its_model(names: list[str], style: Style) -> None:
    """Written, then read back as comparison reads a document: every table's
    columns are the models, in order, whatever the schema lets a name hold."""
    read = tables(render_document("T", "c", _tables(names), style))
    assert [table.heading for table in read] == list(SECTIONS)
    for table in read:
        assert [LAYOUT.model_of(table.heading, cell) for cell in table.header[1:]] == names


def test_a_name_ending_in_the_unit_suffix_names_its_changed_cells() -> None:
    """Regression: "tiny<br>(MB)" headed the heap table as "tiny<br>(MB)<br>(MB)",
    read back as "tiny<br>(MB)" there but as "tiny" in the settings table,
    and a changed heap cell crashed the check (exit 3)."""
    names = ["tiny<br>(MB)", "tiny"]
    committed = render_document("T", "c", _tables(names, base=10))
    regenerated = render_document("T", "c", _tables(names, base=11))
    changes = describe_changes(committed, regenerated, LAYOUT)
    assert changes.added_models == changes.removed_models == ()
    assert changes.cells[0] == CellChange(
        "tiny<br>(MB)",
        "weights (model buffer)",
        SECTIONS[1],
        "10.00",
        "11.00",
        unit=" MB",
        table="Heap Memory",
    )
    assert {cell.model for cell in changes.cells} == set(names)
