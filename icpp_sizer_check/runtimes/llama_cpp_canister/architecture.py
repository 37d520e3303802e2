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
    "granitehybrid",
)
DEFAULT_ARCH = "llama"
# The architectures with recurrent layers: a layer with no key/value heads is
# one (lfm2's short convolutions, granitehybrid's Mamba2 mixers).
RECURRENT_ARCHS = ("lfm2", "granitehybrid")
# The most layers llama.cpp loads (llama-hparams.h's LLAMA_MAX_LAYERS): its
# per-layer hyperparameters are arrays of this size, and a file with more
# blocks is refused. The sizing walks the layers, so the bound keeps it cheap.
MAX_LAYERS = 512
# gemma3's period of sliding layers when the file names none (load_swa_pattern(ml, 6)).
GEMMA3_SWA_PATTERN = 6
# exaone4's 64-layer model slides 3 layers in 4 over a 4096-token window.
EXAONE4_SWA = (64, 4096, 4)
# The tokenizer.ggml.model values llama.cpp loads, by the vocabulary they make.
TOKENIZERS = ("llama", "gpt2", "bert", "t5", "none")
DEFAULT_TOKENIZER = "gpt2"

# One value for every layer, or one per layer (llama_hparams' per-layer arrays).
PerLayer = Union[int, tuple[int, ...]]


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
    # granitehybrid's Mamba2 layers (llama_hparams' ssm_*):
    ssm_d_conv: int = 0  # {arch}.ssm.conv_kernel, the convolution's length
    ssm_d_inner: int = 0  # {arch}.ssm.inner_size, the mixer's width (2 n_embd)
    ssm_d_state: int = 0  # {arch}.ssm.state_size, the state per channel
    ssm_dt_rank: int = 0  # {arch}.ssm.time_step_rank, which Mamba2 uses as its head count
    ssm_n_group: int = 0  # {arch}.ssm.group_count, the groups of B and C
    # {arch}.rope.scaling.finetuned: granitehybrid rotates its queries and keys
    # only when true (llama.cpp's default); Granite 4.0's files say false.
    rope_finetuned: bool = True
    # {arch}.expert_count: granitehybrid's mixture of experts (H-Tiny, H-Small);
    # the dense H models have none, and only those are sized
    n_expert: int = 0

    # Per-layer questions, as llama_hparams asks them.
    def head_count(self, layer: int) -> int:
        return at_layer(self.n_head, layer)

    def head_count_kv(self, layer: int) -> int:
        return at_layer(self.n_head_kv, layer)

    def ff_length(self, layer: int) -> int:
        return at_layer(self.n_ff, layer)

    def is_recurrent(self, layer: int) -> bool:
        """Whether ``layer`` keeps a recurrent state instead of a KV cache
        (a layer with no key/value heads: lfm2's short convolution,
        granitehybrid's Mamba2 mixer)."""
        return self.arch in RECURRENT_ARCHS and self.head_count_kv(layer) == 0

    def n_embd_r(self) -> int:
        """A recurrent layer's convolution state, in values (llama_hparams::n_embd_r):
        the last d_conv - 1 inputs of each convolved channel."""
        if self.shortconv_l_cache:
            return self.n_embd * (self.shortconv_l_cache - 1)
        return max(self.ssm_d_conv - 1, 0) * self.ssm_conv_channels()

    def n_embd_s(self) -> int:
        """A recurrent layer's SSM state, in values (llama_hparams::n_embd_s)."""
        return self.ssm_d_state * self.ssm_d_inner

    def ssm_conv_channels(self) -> int:
        """The channels Mamba2 convolves: x, then B and C of every group."""
        return self.ssm_d_inner + 2 * self.ssm_n_group * self.ssm_d_state

    def is_swa(self, layer: int) -> bool:
        """Whether ``layer`` attends over a sliding window."""
        return swa_layers_of(self)[layer]

    def swa_layers(self) -> int:
        """How many layers attend over a sliding window."""
        return sum(swa_layers_of(self))

    def attention_layers(self) -> tuple[int, ...]:
        """The layers with a KV cache."""
        return tuple(il for il in range(self.n_layer) if not self.is_recurrent(il))

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
    if arch.arch in ("gemma3", "lfm2"):
        return max(arch.sliding_window, 0)
    return 0


def swa_layers_of(arch: Architecture) -> tuple[bool, ...]:
    """Which layers slide: gemma3 and exaone4 by the file's pattern (a period,
    or a flag per layer; 6 and 4 when it has none), lfm2 every attention layer."""
    if sliding_window_of(arch) <= 0:
        return (False,) * arch.n_layer
    if arch.arch == "lfm2":
        return tuple(not arch.is_recurrent(layer) for layer in range(arch.n_layer))
    written = arch.sliding_window_pattern
    if isinstance(written, tuple):
        return written
    default = GEMMA3_SWA_PATTERN if arch.arch == "gemma3" else EXAONE4_SWA[2]
    return _pattern_flags(written or default, arch.n_layer)


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
