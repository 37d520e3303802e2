"""Model shapes the llama_cpp_canister tests share."""

from __future__ import annotations

from icpp_sizer_check.runtimes.llama_cpp_canister.architecture import Architecture

# Granite 4.0 H-1B as recalled from its config.json (which 4 of the 40 layers
# attend is a guess): Mamba2 mixers of 48 heads of 64, one group, 128 states.
GRANITE_4_0_H_1B = Architecture(
    n_layer=40,
    n_embd=1536,
    n_head=12,
    n_head_kv=tuple(4 if il in (10, 13, 17, 27) else 0 for il in range(40)),
    head_dim_k=128,
    head_dim_v=128,
    n_ff=4096,
    n_vocab=100352,
    tensor_data_bytes=0,
    file_bytes=0,
    arch="granitehybrid",
    ssm_d_conv=4,
    ssm_d_inner=3072,
    ssm_d_state=128,
    ssm_dt_rank=48,
    ssm_n_group=1,
    rope_finetuned=False,
)
# A small file of the same kind: 6 layers, attention in the third and fifth,
# dummy tokens (no BPE merges to write).
SMALL_GRANITEHYBRID = GRANITE_4_0_H_1B._replace(
    tokenizer="none",
    n_layer=6,
    n_embd=256,
    n_head=4,
    n_head_kv=(0, 0, 2, 0, 2, 0),
    head_dim_k=64,
    head_dim_v=64,
    n_ff=512,
    n_vocab=4096,
    ssm_d_inner=512,
    ssm_d_state=16,
    ssm_dt_rank=8,
)
