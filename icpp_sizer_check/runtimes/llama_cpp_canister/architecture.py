"""What sizing a GGUF model needs: its architecture's shape, and llama.cpp's load settings.

The field names of :class:`Architecture` are the keys of a config's
``architecture:`` mapping, and ``describe-gguf`` prints them in this order.
Like llama.cpp's ``llama_hparams``, a value llama.cpp keeps per layer (head
counts, feed-forward lengths, which layers slide) may be one number for a
uniform model or one entry per layer; the sizing asks per layer.

Which layers slide and which are recurrent follow the llama.cpp this runtime
follows (llama-cpp-python 0.3.36's, llama.cpp commit 0c1e570 of 2026-10-01):
:func:`swa_layers_of` and :meth:`Architecture.is_recurrent` own those rules.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

# The architectures whose layers and caches the sizing knows (llama.cpp's
# general.architecture values).
ARCHITECTURES = (
    "llama",
    "qwen2",
    "qwen3",
    "gemma3",
    "lfm2",
    "phi3",
    "granite",
    "smollm3",
    "exaone4",
    "gemma3n",
    "qwen35",
    "granitehybrid",
)
DEFAULT_ARCH = "llama"
# The architectures with recurrent layers: a layer with no key/value heads is
# one (lfm2's short convolutions, granitehybrid's Mamba2 mixers).
RECURRENT_ARCHS = ("lfm2", "granitehybrid")
# The most layers llama.cpp loads (LLAMA_MAX_LAYERS: its per-layer arrays' size;
# a file with more blocks is refused). The sizing walks the layers: kept cheap.
MAX_LAYERS = 512
# gemma3's and gemma3n's periods of sliding layers when the file names none
# (load_swa_pattern(ml, 6) and (ml, 5)).
GEMMA3_SWA_PATTERN, GEMMA3N_SWA_PATTERN = 6, 5
# gemma3n: only the first 20 layers own a KV cache (hparams.n_layer_kv_from_start,
# set by its loader, not read from the file); each later layer attends over the
# cache of layer 18 (sliding) or 19 (global), the last of each kind that owns one.
GEMMA3N_KV_LAYERS = 20
# exaone4's 64-layer model slides 3 layers in 4 over a 4096-token window.
EXAONE4_SWA = (64, 4096, 4)
# qwen35's period of full-attention layers when the file names none.
QWEN35_FULL_ATTENTION_INTERVAL = 4
# The architectures whose RoPE is multi-section (M-RoPE): each token has four
# positions (llama_hparams::n_pos_per_embd).
MROPE_ARCHITECTURES = ("qwen35",)
MROPE_SECTIONS = 4
# llama_cpp_canister (v0.16.4 on) caps each CPU buffer at this many MiB, so that
# no memset of one buffer overruns an IC instruction slice.
DEFAULT_BUFFER_CAP_MIB = 128
DEFAULT_CANISTER_BASE_MIB = 20  # the canister's own memory, MiB (wasm_heap.py: whence)
TOKENIZERS = ("llama", "gpt2", "bert", "t5", "none")  # tokenizer.ggml.model values llama.cpp loads
DEFAULT_TOKENIZER = "gpt2"

PerLayer = Union[int, tuple[int, ...]]  # one value for every layer, or one per layer


def at_layer(value: PerLayer, layer: int) -> int:
    return value if isinstance(value, int) else value[layer]


def largest(value: PerLayer) -> int:
    return value if isinstance(value, int) else max(value)


class Architecture(NamedTuple):
    """A model's shape as llama.cpp reads it from the GGUF header."""

    n_layer: int  # {arch}.block_count
    n_embd: int  # {arch}.embedding_length
    n_head: PerLayer  # {arch}.attention.head_count
    # {arch}.attention.head_count_kv (default n_head); 0 on a layer without
    # attention (lfm2's short-convolution layers)
    n_head_kv: PerLayer
    head_dim_k: int  # {arch}.attention.key_length (default n_embd / n_head)
    head_dim_v: int  # {arch}.attention.value_length (default n_embd / n_head)
    n_ff: PerLayer  # {arch}.feed_forward_length
    n_vocab: int  # tokens in the vocabulary
    tensor_data_bytes: int  # the model buffer: every tensor's bytes, each padded to 32
    file_bytes: int  # the GGUF file's size
    # Optional: what some architectures or settings need.
    arch: str = DEFAULT_ARCH  # general.architecture
    context_length: Optional[int] = None  # {arch}.context_length: ctx_size's default
    sliding_window: int = 0  # {arch}.attention.sliding_window; 0: no sliding-window layers
    # {arch}.attention.sliding_window_pattern: a period N (every Nth layer is
    # global, the others slide) or one flag per layer (true: it slides); 0:
    # the architecture's default (swa_layers_of).
    sliding_window_pattern: Union[int, tuple[bool, ...]] = 0
    n_tensors: Optional[int] = None  # tensors in the file (the compute graph's size)
    n_merges: int = 0  # BPE merges of the tokenizer (heap the vocabulary takes)
    tokenizer: str = DEFAULT_TOKENIZER  # tokenizer.ggml.model
    shortconv_l_cache: int = 0  # lfm2: {arch}.shortconv.l_cache, the convolution's length
    # token_embd.weight's bytes, padded to 32, when the file has no
    # output.weight (the embeddings double as the output matrix); else 0
    tied_embedding_bytes: int = 0
    # The recurrent layers' sizes (llama_hparams' ssm_* fields): qwen35's gated
    # DeltaNet and granitehybrid's Mamba2 read the same keys
    ssm_d_conv: int = 0  # {arch}.ssm.conv_kernel: the convolution's length
    # {arch}.ssm.inner_size: qwen35's value heads x value head size; Mamba2's
    # mixer width (2 n_embd)
    ssm_d_inner: int = 0
    # {arch}.ssm.state_size: qwen35's key (and value) head size; Mamba2's state
    # per channel
    ssm_d_state: int = 0
    # {arch}.ssm.time_step_rank: qwen35's value heads; Mamba2's head count
    ssm_dt_rank: int = 0
    ssm_n_group: int = 0  # {arch}.ssm.group_count: qwen35's key heads; Mamba2's groups of B and C
    # qwen35: {arch}.full_attention_interval, every Nth layer attends (0: 4)
    full_attention_interval: int = 0
    # qwen35: {arch}.attention.recurrent_layers, one flag per layer (true: a
    # DeltaNet layer); when written it overrides full_attention_interval
    recurrent_layers: tuple[bool, ...] = ()
    # {arch}.nextn_predict_layers: the last blocks of n_layer are multi-token
    # prediction (MTP) layers, which the main context neither runs nor caches
    nextn_predict_layers: int = 0
    # {arch}.rope.scaling.finetuned: granitehybrid rotates its queries and keys
    # only when true (llama.cpp's default); Granite 4.0's files say false.
    rope_finetuned: bool = True
    # {arch}.expert_count: granitehybrid's mixture of experts (H-Tiny, H-Small);
    # the dense H models have none, and only those are sized
    n_expert: int = 0
    # The elements of the weight matrices a token multiplies, by ggml type (all
    # but the token embeddings and the output head), and the output head's type:
    # what a decode's instructions cost (instructions.py); None: not known.
    matrix_types: Optional[tuple[tuple[str, int], ...]] = None
    output_type: Optional[str] = None

    # Per-layer questions, as llama_hparams asks them.
    def head_count(self, layer: int) -> int:
        return at_layer(self.n_head, layer)

    def head_count_kv(self, layer: int) -> int:
        return at_layer(self.n_head_kv, layer)

    def ff_length(self, layer: int) -> int:
        return at_layer(self.n_ff, layer)

    def is_recurrent(self, layer: int) -> bool:
        """Whether ``layer`` keeps a recurrent state instead of a KV cache
        (lfm2's short convolution and granitehybrid's Mamba2 mixer: a layer
        with no key/value heads; qwen35: a gated DeltaNet layer, by its flags
        or its interval)."""
        if self.arch == "qwen35":
            if layer >= self.trunk_layers():
                return False
            if self.recurrent_layers:
                return self.recurrent_layers[layer]
            interval = self.full_attention_interval or QWEN35_FULL_ATTENTION_INTERVAL
            return (layer + 1) % interval != 0
        return self.arch in RECURRENT_ARCHS and self.head_count_kv(layer) == 0

    def ssm_conv_channels(self) -> int:
        """The channels a qwen35 or Mamba2 layer convolves: x (or the values),
        then B and C (or the queries and keys) of every group."""
        return self.ssm_d_inner + 2 * self.ssm_n_group * self.ssm_d_state

    def trunk_layers(self) -> int:
        """The layers the main context runs (llama_hparams::n_layer): all but
        the MTP layers."""
        return self.n_layer - self.nextn_predict_layers

    def positions_per_token(self) -> int:
        """The positions llama.cpp keeps of each token (llama_hparams::n_pos_per_embd)."""
        return MROPE_SECTIONS if self.arch in MROPE_ARCHITECTURES else 1

    def recurrent_layers_of(self) -> tuple[int, ...]:
        """The layers with a recurrent state."""
        return tuple(il for il in range(self.trunk_layers()) if self.is_recurrent(il))

    def n_embd_r(self) -> int:
        """One recurrent layer's convolution state, in floats (llama_hparams::
        n_embd_r): lfm2 keeps l_cache - 1 tokens of its input, qwen35 and
        Mamba2 d_conv - 1 tokens of the channels they convolve."""
        if self.arch == "lfm2":
            return (self.shortconv_l_cache - 1) * self.n_embd
        return max(self.ssm_d_conv - 1, 0) * self.ssm_conv_channels()

    def n_embd_s(self) -> int:
        """One recurrent layer's other state, in floats (llama_hparams::n_embd_s):
        qwen35's DeltaNet matrix of each value head, Mamba2's SSM state of each
        channel; none for lfm2."""
        return self.ssm_d_state * self.ssm_d_inner

    def is_swa(self, layer: int) -> bool:
        """Whether ``layer`` attends over a sliding window."""
        return swa_layers_of(self)[layer]

    def swa_layers(self) -> int:
        """How many layers attend over a sliding window."""
        return sum(swa_layers_of(self))

    def weight_bytes(self) -> int:
        """The model buffer. gemma3n's loader makes its output matrix before its
        token embeddings, so a tied embedding is loaded twice (TENSOR_DUPLICATED)."""
        duplicated = self.tied_embedding_bytes if self.arch == "gemma3n" else 0
        return self.tensor_data_bytes + duplicated

    def has_kv(self, layer: int) -> bool:
        """Whether ``layer`` owns a KV cache (llama_hparams::has_kv): not a
        recurrent layer, nor a gemma3n layer past the first 20."""
        if self.arch == "gemma3n":
            return layer < GEMMA3N_KV_LAYERS
        return not self.is_recurrent(layer)

    def kv_layer(self, layer: int) -> int:
        """The layer whose cache ``layer`` attends over: its own, or for a
        gemma3n layer without one the last that has one and slides as it does
        (the memory's layer_reuse_cb)."""
        if self.has_kv(layer) or self.is_recurrent(layer):
            return layer
        return GEMMA3N_KV_LAYERS - (2 if self.is_swa(layer) else 1)

    def misreused_layers(self) -> tuple[int, ...]:
        """The layers whose reused cache is of the other kind (sliding or
        global): llama.cpp aborts loading such a model, as that cache is not
        among the ones the layer's kind holds (llama_kv_cache's reuse assert)."""
        return tuple(
            il
            for il in range(self.n_layer)
            if self.kv_layer(il) != il and self.is_swa(self.kv_layer(il)) != self.is_swa(il)
        )

    def attention_layers(self) -> tuple[int, ...]:
        """The layers with a KV cache (the MTP layers' is their own context's)."""
        return tuple(il for il in range(self.trunk_layers()) if self.has_kv(il))

    def n_embd_v_gqa_max(self) -> int:
        """The widest V of any layer (llama_hparams::n_embd_v_gqa_max): each
        layer's transposed V is stored this wide."""
        return max(
            (self.head_dim_v * self.head_count_kv(il) for il in self.attention_layers()), default=0
        )


def _pattern_flags(pattern: int, n_layer: int) -> tuple[bool, ...]:
    """llama_hparams::set_swa_pattern: the last layer of every ``pattern`` is
    global; a pattern of 0 slides every layer."""
    return tuple(pattern == 0 or layer % pattern < pattern - 1 for layer in range(n_layer))


def sliding_window_of(arch: Architecture) -> int:
    """The window llama.cpp slides over, 0 for none: gemma3 and lfm2 take the
    file's; exaone4 slides only in its 64-layer model (4096 unless the file
    says otherwise); phi3 reads a window and turns it off; the others have none
    (llama.cpp's src/models/<arch>.cpp, load_arch_hparams)."""
    if arch.arch == "exaone4":
        return (arch.sliding_window or EXAONE4_SWA[1]) if arch.n_layer == EXAONE4_SWA[0] else 0
    if arch.arch in ("gemma3", "gemma3n", "lfm2"):
        return max(arch.sliding_window, 0)
    return 0


def swa_layers_of(arch: Architecture) -> tuple[bool, ...]:
    """Which layers slide: gemma3, gemma3n and exaone4 by the file's pattern (a
    period, or a flag per layer; 6, 5 and 4 when it has none), lfm2 every
    attention layer."""
    if sliding_window_of(arch) <= 0:
        return (False,) * arch.n_layer
    if arch.arch == "lfm2":
        return tuple(not arch.is_recurrent(layer) for layer in range(arch.n_layer))
    written = arch.sliding_window_pattern
    if isinstance(written, tuple):
        return written
    default = DEFAULT_SWA_PATTERN.get(arch.arch, EXAONE4_SWA[2])
    return _pattern_flags(written or default, arch.n_layer)


DEFAULT_SWA_PATTERN = {"gemma3": GEMMA3_SWA_PATTERN, "gemma3n": GEMMA3N_SWA_PATTERN}

REQUIRED_KEYS = Architecture._fields[:10]
OPTIONAL_KEYS = Architecture._fields[10:]


class Settings(NamedTuple):
    """llama.cpp's load settings of one model, with its defaults filled in."""

    ctx_size: int  # as asked; llama.cpp pads it to a multiple of 256
    batch_size: int = 2048  # -b
    ubatch_size: int = 512  # -ub
    cache_type_k: str = "f16"  # -ctk
    cache_type_v: str = "f16"  # -ctv
    flash_attn: bool = True  # -fa auto: on for the CPU backend
    # --warmup (llama.cpp's default; the canister's fork turns it off). Shown,
    # never sized: upstream's warm-up decodes two tokens within the compute
    # buffer reserved at load (tests/runtimes/llama_cpp_canister/
    # test_warmup_llama_cpp.py).
    warmup: bool = True
    # The canister build's CPU buffer cap, MiB: the compute graph is placed in
    # chunks of at most that size; 0: no cap (llama_cpp_canister before v0.16.4)
    buffer_cap_mib: int = DEFAULT_BUFFER_CAP_MIB
    # The canister's own memory around llama.cpp (stack, data, file system), MiB
    canister_base_mib: int = DEFAULT_CANISTER_BASE_MIB
