"""The cost of reading a GGUF header: this project's reader beside the gguf package's.

Run from the repository root, in an environment with the ``gguf`` package:

    python benchmarks/gguf_header_bench.py            # 3 runs of each
    python benchmarks/gguf_header_bench.py --runs 5

It writes a GGUF file with a Qwen3-0.6B-shaped header (151,936 tokens of
byte-level BPE lengths, their types, 151,387 merges, 28 layers of Q8_0
tensors: 310 tensor infos) whose tensor data is a hole: the file is sparse,
its size is the real model's, but it takes no disk. Then it runs each
command in a fresh process, as a hook pays for it, and prints a Markdown
table of the median wall time, the median CPU time and the largest
resident memory of each command's processes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent

# Qwen3-0.6B's shape.
N_LAYER = 28
N_EMBD = 1024
N_HEAD = 16
N_HEAD_KV = 8
HEAD_DIM = 128
N_FF = 3072
N_VOCAB = 151_936
N_MERGES = 151_387
CONTEXT_LENGTH = 40_960

READER = (
    "from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import read_architecture\n"
    "read_architecture({path!r})\n"
)
COMMANDS = {
    "`python -c pass`": "pass",
    "this reader (import, read, architecture_of)": READER,
    "`import gguf` alone (pulls numpy)": "import gguf",
    "`gguf.GGUFReader(path)`": "import gguf\ngguf.GGUFReader({path!r})\n",
}


def token_texts(count: int, seed: int = 0) -> list[str]:
    """Tokens as a byte-level BPE vocabulary has them: mostly 2-10 characters,
    many with the space marker, a few long runs and some non-Latin text."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    scripts = ["日本語中文", "éèàçüö", "привет", "ĠĊ"]
    texts = []
    for _ in range(count):
        length = min(max(1, int(rng.lognormvariate(1.6, 0.5))), 24)
        alphabet = letters if rng.random() < 0.9 else rng.choice(scripts)
        text = "".join(rng.choice(alphabet) for _ in range(length))
        prefix = "Ġ" if rng.random() < 0.5 else ""
        texts.append(prefix + text)
    return texts


def tensor_shapes() -> list[tuple[str, tuple[int, ...]]]:
    """(name, numpy shape) of each tensor, in file order: tied embeddings."""
    shapes: list[tuple[str, tuple[int, ...]]] = [("token_embd.weight", (N_VOCAB, N_EMBD))]
    for layer in range(N_LAYER):
        block = f"blk.{layer}"
        shapes += [
            (f"{block}.attn_norm.weight", (N_EMBD,)),
            (f"{block}.attn_q.weight", (N_HEAD * HEAD_DIM, N_EMBD)),
            (f"{block}.attn_k.weight", (N_HEAD_KV * HEAD_DIM, N_EMBD)),
            (f"{block}.attn_v.weight", (N_HEAD_KV * HEAD_DIM, N_EMBD)),
            (f"{block}.attn_output.weight", (N_EMBD, N_HEAD * HEAD_DIM)),
            (f"{block}.attn_q_norm.weight", (HEAD_DIM,)),
            (f"{block}.attn_k_norm.weight", (HEAD_DIM,)),
            (f"{block}.ffn_norm.weight", (N_EMBD,)),
            (f"{block}.ffn_gate.weight", (N_FF, N_EMBD)),
            (f"{block}.ffn_up.weight", (N_FF, N_EMBD)),
            (f"{block}.ffn_down.weight", (N_EMBD, N_FF)),
        ]
    shapes.append(("output_norm.weight", (N_EMBD,)))
    return shapes


def write_model(path: Path) -> None:
    """The header through GGUFWriter; the data section a hole of its size."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "qwen3")
    writer.add_name("Qwen3-0.6B-shaped header")
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_key_length(HEAD_DIM)
    writer.add_value_length(HEAD_DIM)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    tokens = token_texts(N_VOCAB)
    writer.add_token_list(tokens)
    writer.add_token_types([1] * N_VOCAB)
    writer.add_token_merges([f"{tokens[i]} {tokens[i + 1]}" for i in range(N_MERGES)])
    data_bytes = 0
    for name, shape in tensor_shapes():
        q8 = len(shape) > 1
        kind = gguf.GGMLQuantizationType.Q8_0 if q8 else gguf.GGMLQuantizationType.F32
        elements = 1
        for dim in shape:
            elements *= dim
        nbytes = elements // 32 * 34 if q8 else elements * 4
        writer.add_tensor_info(name, shape, np.dtype(np.float32), nbytes, raw_dtype=kind)
        data_bytes += -(-nbytes // 32) * 32
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()
    header_bytes = path.stat().st_size
    os.truncate(path, -(-header_bytes // 32) * 32 + data_bytes)


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds
    max_rss: int  # bytes


def run_once(python: str, code: str) -> Run:
    """One fresh process; its own resource use (wait4), not its siblings'."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    process = subprocess.Popen([python, "-c", code], cwd=REPO, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{code!r} failed with exit code {process.returncode}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale)


def table(rows: dict[str, list[Run]]) -> str:
    lines = [
        "| command | median wall s (min..max) | median CPU s | max RSS MB |",
        "|---|---|---|---|",
    ]
    for label, runs in rows.items():
        walls = [run.wall for run in runs]
        lines.append(
            f"| {label} | {statistics.median(walls):.3f} ({min(walls):.3f}..{max(walls):.3f}) "
            f"| {statistics.median(run.cpu for run in runs):.3f} "
            f"| {max(run.max_rss for run in runs) / 1e6:.0f} |"
        )
    return "\n".join(lines)


def describe(python: str, path: Path) -> str:
    code = (
        "from icpp_sizer_check.gguf import header as g\n"
        "from icpp_sizer_check.runtimes.llama_cpp_canister.gguf_architecture import (\n"
        "    architecture_of,\n"
        ")\n"
        f"header = g.read_header({str(path)!r})\n"
        "print(f'file: {header.file_bytes:,} bytes (sparse), '\n"
        "      f'header {header.data_offset:,} bytes')\n"
        "print(f'architecture: {architecture_of(header)}')\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([python, "-c", code], env=environment, capture_output=True, text=True)
    return done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to time")
    parser.add_argument("--write", metavar="PATH", help="only write the model file to PATH")
    arguments = parser.parse_args()
    if arguments.write:
        write_model(Path(arguments.write))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qwen3-0.6b-shaped.gguf"
        # Written by a child: a process forked from a parent that held the
        # vocabulary would report the parent's peak memory as its own.
        subprocess.run([arguments.python, __file__, "--write", str(path)], check=True)
        print(describe(arguments.python, path))
        rows: dict[str, list[Run]] = {label: [] for label in COMMANDS}
        for _ in range(arguments.runs):  # interleaved: a burst of load hits every command
            for label, code in COMMANDS.items():
                rows[label].append(run_once(arguments.python, code.format(path=str(path))))
    print(table(rows))
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"\n{arguments.runs} runs each, {os.cpu_count()} CPUs, load average {load}")


if __name__ == "__main__":
    main()
