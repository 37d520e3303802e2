"""What llama.cpp cannot load of an architecture's per-layer values, worded
for the config that holds them (or the header it was read from).

A per-layer value is one number for every layer or one per layer; the
questions here ask per layer, as llama_hparams does, so a model whose
layers differ (lfm2's short-convolution layers, a pattern of sliding layers)
is checked layer by layer, not by its largest value.
"""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import (
    GEMMA3N_KV_LAYERS,
    Architecture,
    sliding_window_of,
    swa_layers_of,
)
from icpp_sizer_check.runtimes.llama_cpp_canister.deltanet_shape import (
    ShapeProblem,
    deltanet_problems,
)

# The architectures whose loader makes a sliding-window cache when they have a
# window (lfm2's hybrid memory slides every attention layer, so never none).
SLIDING_ARCHITECTURES = ("gemma3", "gemma3n", "exaone4")

# The keys that take one value per layer, and what each may be written as instead.
PER_LAYER_KEYS = {
    "n_head": "one number for every layer",
    "n_head_kv": "one number for every layer",
    "n_ff": "one number for every layer",
    "sliding_window_pattern": "a period",
}
# granitehybrid's Mamba2 shape: the keys granite-hybrid.cpp's loader requires.
MAMBA2_KEYS = ("ssm_d_conv", "ssm_d_inner", "ssm_d_state", "ssm_dt_rank", "ssm_n_group")
# The shortest convolution lfm2's short-convolution layers keep state for
# (llama_hparams::n_embd_r: n_embd x (l_cache - 1) floats).
MIN_SHORTCONV_L_CACHE = 2


def _length_problems(arch: Architecture) -> list[ShapeProblem]:
    problems = []
    for key, instead in PER_LAYER_KEYS.items():
        value = getattr(arch, key)
        if isinstance(value, tuple) and len(value) != arch.n_layer:
            problems.append(
                ShapeProblem(
                    (key,),
                    f"{key} lists {len(value)} values for n_layer {arch.n_layer}; "
                    f"write one per layer, or {instead}",
                )
            )
    return problems


def _head_problems(arch: Architecture) -> list[ShapeProblem]:
    """Key/value heads: some layer has them, only lfm2's recurrent layers have
    none, and they group the query heads of their layer."""
    layers = range(arch.n_layer)
    if not any(arch.head_count_kv(il) for il in layers):
        return [
            ShapeProblem(
                ("n_head_kv",),
                "n_head_kv is 0 on every layer; at least one layer needs key/value heads",
            )
        ]
    uniform = isinstance(arch.n_head, int) and isinstance(arch.n_head_kv, int)
    for il in layers:
        heads, heads_kv = arch.head_count(il), arch.head_count_kv(il)
        if heads_kv == 0 and not arch.is_recurrent(il):
            return [
                ShapeProblem(
                    ("n_head_kv",),
                    f"n_head_kv is 0 on layer {il}, and only lfm2's short-convolution and "
                    "granitehybrid's Mamba2 layers have no key/value heads; give the layer "
                    "its heads, or set arch: lfm2 or granitehybrid",
                )
            ]
        if heads_kv and heads % heads_kv:
            where = "" if uniform else f" on layer {il}"
            return [
                ShapeProblem(
                    ("n_head_kv", "n_head"),
                    f"n_head ({heads}) must be divisible by n_head_kv ({heads_kv}){where}; "
                    "fix the architecture values",
                )
            ]
    return []


def _shortconv_problems(arch: Architecture) -> list[ShapeProblem]:
    recurrent = arch.arch == "lfm2" and bool(arch.recurrent_layers_of())
    if recurrent and arch.shortconv_l_cache < MIN_SHORTCONV_L_CACHE:
        return [
            ShapeProblem(
                ("shortconv_l_cache",),
                f"shortconv_l_cache is {arch.shortconv_l_cache}, and lfm2's short-convolution "
                f"layers (n_head_kv 0) need at least {MIN_SHORTCONV_L_CACHE}; write the "
                "file's lfm2.shortconv.l_cache (3 in LFM2 models)",
            )
        ]
    return []


def _reuse_problems(arch: Architecture) -> list[ShapeProblem]:
    """gemma3n's layers past the first 20 reuse layer 18's cache when they
    slide and layer 19's when they do not; llama.cpp aborts loading a model
    whose pattern gives one of them a cache of the other kind."""
    misreused = arch.misreused_layers()
    if not misreused:
        return []
    first, source = misreused[0], arch.kv_layer(misreused[0])

    def kind(layer: int) -> str:
        return "sliding" if arch.is_swa(layer) else "global"

    return [
        ShapeProblem(
            ("sliding_window_pattern",),
            f"layer {first} ({kind(first)}) reuses the cache of layer {source} "
            f"({kind(source)}), and llama.cpp aborts loading such a model; fix "
            f"sliding_window_pattern so that layer {GEMMA3N_KV_LAYERS - 2} slides "
            f"and layer {GEMMA3N_KV_LAYERS - 1} does not",
        )
    ]


def _sliding_problems(arch: Architecture) -> list[ShapeProblem]:
    """gemma3, gemma3n and exaone4 make a sliding-window cache whenever they
    have a window, and llama.cpp aborts loading when no layer slides
    (GGML_ASSERT(hparams.is_swa_any()) in create_memory)."""
    if arch.arch not in SLIDING_ARCHITECTURES or sliding_window_of(arch) <= 0:
        return []
    if any(swa_layers_of(arch)):
        return []
    return [
        ShapeProblem(
            ("sliding_window_pattern",),
            f"sliding_window_pattern makes no layer of this {arch.arch} model slide, "
            "and llama.cpp aborts loading a model with a window but no sliding "
            "layer; mark at least one layer true (or a period of 2 or more)",
        )
    ]


def _expert_problems(arch: Architecture) -> list[ShapeProblem]:
    """A mixture of experts (Mixtral is arch llama; Granite 4.0 H-Tiny and
    H-Small are granitehybrid): only dense feed-forward blocks are sized."""
    if not arch.n_expert:
        return []
    return [
        ShapeProblem(
            ("n_expert",),
            f"a {arch.arch} model with experts (n_expert {arch.n_expert}) is not sized: only "
            "dense feed-forward blocks are modelled; size a dense model",
        )
    ]


def _mamba2_problems(arch: Architecture) -> list[ShapeProblem]:
    """granitehybrid: the ssm keys granite-hybrid.cpp requires, its asserts (an
    expansion of 2, heads and groups that divide the mixer), and no experts:
    only the dense H models' feed-forward is modelled."""
    if arch.arch != "granitehybrid" or arch.n_expert:
        return []
    missing = tuple(key for key in MAMBA2_KEYS if getattr(arch, key) < 1)
    if missing:
        return [
            ShapeProblem(
                missing,
                f"{', '.join(missing)} must be at least 1 for granitehybrid's Mamba2 layers; "
                "write the file's granitehybrid.ssm.* values",
            )
        ]
    if arch.ssm_d_inner != 2 * arch.n_embd:
        return [
            ShapeProblem(
                ("ssm_d_inner", "n_embd"),
                f"ssm_d_inner ({arch.ssm_d_inner}) must be twice n_embd ({arch.n_embd}), the "
                "only expansion llama.cpp supports; fix the architecture values",
            )
        ]
    return [
        ShapeProblem(
            (key, "ssm_d_inner"),
            f"ssm_d_inner ({arch.ssm_d_inner}) must be divisible by {key} "
            f"({getattr(arch, key)}); fix the architecture values",
        )
        for key in ("ssm_dt_rank", "ssm_n_group")
        if arch.ssm_d_inner % getattr(arch, key)
    ][:1]


def shape_problems(arch: Architecture) -> list[ShapeProblem]:
    """What llama.cpp would refuse or misread of ``arch``; the per-layer
    questions only once every per-layer value has one entry per layer."""
    lengths = _length_problems(arch) or _expert_problems(arch)
    if lengths:
        return lengths
    if arch.arch == "qwen35":
        return deltanet_problems(arch) or _head_problems(arch)
    return (
        _head_problems(arch)
        + _shortconv_problems(arch)
        + _mamba2_problems(arch)
        + _sliding_problems(arch)
        + _reuse_problems(arch)
    )
