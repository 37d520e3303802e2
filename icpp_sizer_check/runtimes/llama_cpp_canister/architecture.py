"""What sizing a GGUF model needs: its architecture's shape, and llama.cpp's load settings.

The field names of :class:`Architecture` are the keys of a config's
``architecture:`` mapping, and ``describe-gguf`` prints them in this order.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

# The architectures whose layers and caches the sizing knows (llama.cpp's
# general.architecture values). gemma3 interleaves sliding-window layers.
ARCHITECTURES = ("llama", "qwen2", "qwen3", "gemma3")
DEFAULT_ARCH = "llama"
# The most layers llama.cpp loads (llama-hparams.h's LLAMA_MAX_LAYERS): its
# per-layer hyperparameters are arrays of this size, and a file with more
# blocks is refused. The sizing walks the layers, so the bound keeps it cheap.
MAX_LAYERS = 512


class Architecture(NamedTuple):
    """A model's shape as llama.cpp reads it from the GGUF header."""

    n_layer: int  # {arch}.block_count
    n_embd: int  # {arch}.embedding_length
    n_head: int  # {arch}.attention.head_count
    n_head_kv: int  # {arch}.attention.head_count_kv (default n_head)
    head_dim_k: int  # {arch}.attention.key_length (default n_embd / n_head)
    head_dim_v: int  # {arch}.attention.value_length (default n_embd / n_head)
    n_ff: int  # {arch}.feed_forward_length
    n_vocab: int  # tokens in the vocabulary
    tensor_data_bytes: int  # the model buffer: every tensor's bytes, each padded to 32
    file_bytes: int  # the GGUF file's size
    # Optional: what some architectures or settings need.
    arch: str = DEFAULT_ARCH  # general.architecture
    context_length: Optional[int] = None  # {arch}.context_length: ctx_size's default
    sliding_window: int = 0  # {arch}.attention.sliding_window; 0: no sliding-window layers
    sliding_window_pattern: int = 0  # every Nth layer is global, the others slide; 0: none
    n_tensors: Optional[int] = None  # tensors in the file (the compute graph's size)
    n_merges: int = 0  # BPE merges of the tokenizer (heap the vocabulary takes)

    def is_swa(self, layer: int) -> bool:
        """Whether ``layer`` attends over a sliding window (llama.cpp's
        set_swa_pattern: the last layer of every ``pattern`` is global)."""
        pattern = self.sliding_window_pattern
        return self.sliding_window > 0 and pattern > 0 and layer % pattern < pattern - 1

    def swa_layers(self) -> int:
        """How many layers attend over a sliding window: :meth:`is_swa` counted
        without a walk over the layers (every full ``pattern`` has one global
        layer, and so does only a last partial one of ``pattern`` layers)."""
        pattern = self.sliding_window_pattern
        if self.sliding_window <= 0 or pattern <= 0:
            return 0
        return self.n_layer - self.n_layer // pattern


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
    warmup: bool = True  # --warmup (llama.cpp's default; the canister's fork turns it off)
