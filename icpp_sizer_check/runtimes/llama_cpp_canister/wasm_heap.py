"""The wasm32 heap a canister's llama.cpp holds outside its buffers, term by term.

A canister reports its wasm linear memory (``get_memory_status``): a
high-water mark in 64 KiB pages that never shrinks. Besides llama.cpp's
buffers it holds, each a term here with its own formula:

- the module's own memory before llama.cpp runs: the stack and the data
  segment (``canister_base_mib``, :data:`CANISTER_BASE_BYTES` unless a model
  says otherwise: it varies with the canister's build);
- the vocabulary (:func:`vocabulary_bytes`);
- the graph scheduler (``ggml_backend_sched_new``): a context for
  30 split inputs x 2 tensors of every graph node and four node arrays,
  committed at once in wasm where natively they are untouched virtual memory
  (:func:`scheduler_bytes`);
- the graph's metadata (``llm_graph_result``), once for the reserve and once
  more for the first decode (:func:`graph_result_bytes`).

Sizes are wasm32's: 4-byte pointers, a 256-byte ``ggml_tensor``, a 20-byte
``ggml_object``, 4-byte memory alignment. tests/wasm builds the llama.cpp
that llama-cpp-python 0.3.36 vendors for wasm32-wasi with wasi-libc's
dlmalloc, runs it under wasmtime and holds each term and their sum to the
measured memory.size.
"""

from __future__ import annotations

from typing import NamedTuple

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    DEFAULT_BUFFER_CAP_MIB,
    DEFAULT_CANISTER_BASE_MIB,
    Architecture,
)

PAGE = 64 * 1024
POINTER = 4
TENSOR_BYTES = 256  # sizeof(struct ggml_tensor) on wasm32
OBJECT_BYTES = 20  # sizeof(struct ggml_object)
CGRAPH_BYTES = 56  # sizeof(struct ggml_cgraph)
MEM_ALIGN = 4  # GGML_MEM_ALIGN where pointers are 32 bits
SPLIT_INPUTS = 30  # GGML_SCHED_MAX_SPLIT_INPUTS
# ggml_hash_size: the next prime after a power of two at or above the size.
HASH_PRIMES = (
    2, 3, 5, 11, 17, 37, 67, 131, 257, 521, 1031, 2053, 4099, 8209, 16411, 32771,
    65537, 131101, 262147, 524309, 1048583, 2097169, 4194319, 8388617, 16777259,
    33554467, 67108879, 134217757, 268435459, 536870923, 1073741827, 2147483659,
)  # fmt: skip

# What the canister holds besides llama.cpp: its stack (icpp-pro links with
# --stack-first and wasm-ld's default stack), its data segment (llama.cpp's,
# ggml's and libc++'s tables: about 1 MiB in tests/wasm's build; the IC's
# libraries and the canister's own code besides), and its file system's and
# endpoints' heap. Not measurable here: taken from the published fresh heaps
# of Qwen3-0.6B Q8_0 (1,758,068,736 B) and Qwen3-1.7B Q4_K_M --no-warmup
# (2,187,264,000 B) less the wasm32 build's memory.size for the same shapes and
# settings without its own 1.94 MiB start: 21.4 and 19.7 MiB.
CANISTER_BASE_BYTES = DEFAULT_CANISTER_BASE_MIB * 1024 * 1024

# The CPU buffer cap of llama_cpp_canister's fork (the tests' wasm build has it):
# ggml-alloc places the compute graph in chunks of at most this size.
CANISTER_BUFFER_CAP = DEFAULT_BUFFER_CAP_MIB * 1024 * 1024

# llama.cpp's graph size (llama_context::graph_max_nodes): at least 1024, 8
# per tensor; qwen35's gated DeltaNet takes 40 per token of the ubatch, at
# least 32 per tensor.
MIN_GRAPH_NODES = 1024
GRAPH_NODES_PER_TENSOR = 8
WIDE_GRAPHS = {"qwen35": (40, 32)}  # arch: (nodes per token, per tensor)


class VocabularyCost(NamedTuple):
    """One kind of vocabulary's memory in the wasm32 build: fixed, per token, per merge."""

    fixed: int
    per_token: int
    per_merge: int = 0


# Measured as memory.size after a vocabulary-only load less before it, in the
# wasm32 build, on the vocabulary files llama.cpp ships (models/ggml-vocab-*.gguf)
# and on generated ones. SPM: llama-spm and phi-3 (32,000 tokens) 3,342,336 B,
# baichuan (64,000) 6,160,384 B: 88 B a token over a fixed 524,416 B. BPE
# decodes every token's text once at load (llama_decode_text), which builds
# llama.cpp's table of Unicode flags (0x110000 code points x 2 B); over it, the
# least squares of nine files from 32,256 to 262,144 tokens, within 10 % of
# each but deepseek-coder's short tokens (+46 %, 2.7 MiB). Token strings of
# more than 10 bytes take a heap block of their own (libc++'s short strings
# hold 10 on wasm32), so the lengths no count shows move a BPE vocabulary's
# cost. WPM: bert-bge, 30,522 tokens, 3,670,016 B. UGM: nomic-bert-moe,
# 250,048 tokens, 73,269,248 B.
VOCABULARY_FIXED = 524_416
UNICODE_FLAGS = 0x110000 * 2
SPM = VocabularyCost(VOCABULARY_FIXED, 89)
BPE = VocabularyCost(VOCABULARY_FIXED + UNICODE_FLAGS, 91, 92)
WPM = VocabularyCost(VOCABULARY_FIXED, 104)
UGM = VocabularyCost(VOCABULARY_FIXED, 292)
NONE = VocabularyCost(VOCABULARY_FIXED, 40)
BY_TOKENIZER = {"none": NONE, "llama": SPM, "gpt2": BPE, "gemma4": BPE, "bert": WPM, "t5": UGM}


def pad(value: int, multiple: int) -> int:
    """``value`` rounded up to a multiple of ``multiple``."""
    return -(-value // multiple) * multiple


def hash_size(minimum: int) -> int:
    return next((prime for prime in HASH_PRIMES if prime >= minimum), minimum | 1)


def graph_overhead(size: int) -> int:
    """ggml_graph_overhead_custom(size, false): the graph struct, its node and
    leaf arrays, and a hash set of twice the nodes with use counts."""
    slots = hash_size(2 * size)
    nbytes = CGRAPH_BYTES + 2 * size * POINTER + slots * (4 + POINTER) + 4 * -(-slots // 32)
    return OBJECT_BYTES + pad(nbytes, MEM_ALIGN)


def graph_nodes(arch: Architecture, n_tensors: int, n_tokens: int) -> int:
    """llama_context::graph_max_nodes for a reserve of ``n_tokens`` tokens."""
    if arch.arch in WIDE_GRAPHS:
        per_token, per_tensor = WIDE_GRAPHS[arch.arch]
        return max(n_tokens * per_token, per_tensor * n_tensors)
    return max(MIN_GRAPH_NODES, GRAPH_NODES_PER_TENSOR * n_tensors)


def scheduler_bytes(nodes: int) -> int:
    """ggml_backend_sched_new(graph_size=nodes) with one backend, one copy:
    its hash set, the tensors' backend ids and copies, four arrays of node
    and leaf backend ids over nodes x (1 + 60), and the context of 60 tensor
    structs a node plus a graph."""
    slots = hash_size(nodes)
    hashes = slots * POINTER + 4 * -(-slots // 32) + 2 * slots * 4
    node_ids = 4 * nodes * (1 + 2 * SPLIT_INPUTS) * 4
    context = nodes * SPLIT_INPUTS * 2 * TENSOR_BYTES + graph_overhead(nodes)
    return hashes + node_ids + context


def graph_result_bytes(nodes: int) -> int:
    """One llm_graph_result's metadata buffer: a tensor struct a node and a graph."""
    return (TENSOR_BYTES + OBJECT_BYTES) * nodes + graph_overhead(nodes)


def vocabulary_bytes(tokenizer: str, n_vocab: int, n_merges: int) -> int:
    cost = BY_TOKENIZER.get(tokenizer, BPE)
    return cost.fixed + cost.per_token * n_vocab + cost.per_merge * n_merges


class WasmOverhead(NamedTuple):
    """The heap outside llama.cpp's buffers, by term."""

    base: int
    vocabulary: int
    scheduler: int
    graph: int  # the reserve's graph metadata
    first_decode: int  # the first decode's graph metadata

    @property
    def total(self) -> int:
        return sum(self)


def wasm_overhead(
    arch: Architecture, n_tensors: int, n_tokens: int, base: int = CANISTER_BASE_BYTES
) -> WasmOverhead:
    nodes = graph_nodes(arch, n_tensors, n_tokens)
    return WasmOverhead(
        base=base,
        vocabulary=vocabulary_bytes(arch.tokenizer, arch.n_vocab, arch.n_merges),
        scheduler=scheduler_bytes(nodes),
        graph=graph_result_bytes(nodes),
        first_decode=graph_result_bytes(nodes),
    )
