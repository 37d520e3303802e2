"""Whole-process cost of icpp-sizer-check, beside the tools users know.

Run from the repository root:

    python benchmarks/bench.py            # builds benchmarks/.venv on first use
    python benchmarks/bench.py --runs 5   # quicker, noisier

Every figure is the median wall time of repeated runs of a whole process (the
way a pre-commit hook pays for it) and the peak resident memory of that
process. Ratios are taken between figures measured side by side in the same
run, so they hold on any machine while the absolute times do not.

The environment under test is a virtual environment with a regular (not
editable) install of this checkout and the comparison tools, from the
`bench` extra: `pip install '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / "benchmarks" / ".venv"
MODEL = """  - name: {name}
    dim: 288
    hidden_dim: 768
    n_layers: 6
    n_heads: 6
    n_kv_heads: 6
    vocab_size: 32000
    seq_len: {seq_len}
"""


@dataclass
class Measure:
    name: str
    seconds: float  # median wall time of one whole process
    peak_kib: int  # median peak resident memory of that process
    runs: int


def bin_path(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_env(python: str | None) -> Path:
    """The environment to measure: the given one, or benchmarks/.venv (made once)."""
    if python:
        return Path(python).absolute().parent.parent  # not resolved: a venv python is a link
    if not bin_path(VENV, "icpp-sizer-check").exists():
        print(f"creating {VENV} (a regular install of this checkout, and the bench extra)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(bin_path(VENV, "python")), "-m", "pip", "install", "--quiet", f"{REPO}[bench]"],
            check=True,
        )
    else:
        # Keep the measured install in step with the checkout.
        subprocess.run(
            [
                str(bin_path(VENV, "python")),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--force-reinstall",
                str(REPO),
            ],
            check=True,
        )
    return VENV


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KiB and exit code of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, process.returncode


def measure(
    specs: Sequence[tuple[str, Sequence[str], Path, dict[str, str]]],
    runs: int,
    expect: int = 0,
) -> list[Measure]:
    """Median time and memory of each command, the runs interleaved round-robin so
    that a change in the machine's load touches every command alike."""
    for _, command, cwd, env in specs:
        run_once(command, cwd, env)  # warm the OS caches; not counted
    times: list[list[float]] = [[] for _ in specs]
    peaks: list[list[int]] = [[] for _ in specs]
    for _ in range(runs):
        for index, (name, command, cwd, env) in enumerate(specs):
            seconds, peak, code = run_once(command, cwd, env)
            if code != expect:
                raise SystemExit(
                    f"{name}: exit code {code}, expected {expect}: {' '.join(command)}"
                )
            times[index].append(seconds)
            peaks[index].append(peak)
    return [
        Measure(spec[0], statistics.median(times[i]), int(statistics.median(peaks[i])), runs)
        for i, spec in enumerate(specs)
    ]


def write_project(root: Path, configs: int, models: int) -> None:
    """``configs`` configs of ``models`` models each, documents not yet written."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    folder = root / "configs"
    folder.mkdir(exist_ok=True)
    for index in range(configs):
        body = "".join(MODEL.format(name=f"m{m}", seq_len=256 + m) for m in range(models))
        (folder / f"sizes{index:04d}.yaml").write_text(
            f"output: sizes{index:04d}.md\ncanister:\n  memory_mib: 3072\nmodels:\n{body}"
        )


def slope(points: Sequence[tuple[int, float]]) -> float:
    """Least-squares cost of one more unit."""
    xs, ys = zip(*points)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x in xs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per figure (default 20)")
    parser.add_argument("--python", help="interpreter of an environment with the bench extra")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args(argv)

    env_dir = ensure_env(options.python)
    python = str(bin_path(env_dir, "python"))
    tool = str(bin_path(env_dir, "icpp-sizer-check"))
    runs = options.runs
    work = Path(tempfile.mkdtemp(prefix="icpp-sizer-bench-"))
    base_env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    base_env["XDG_CACHE_HOME"] = str(work / "cache")
    cold_env = {**base_env, "ICPP_SIZER_CHECK_NO_CACHE": "1"}
    results: list[Measure] = []

    try:
        # The repo's icpp_llama2 config, its committed document, and the tools
        # beside it (check-jsonschema validates that same config; the GGUF
        # runtime's cost is benchmarks/gguf_header_bench.py's).
        own = work / "own"
        (own / "configs").mkdir(parents=True)
        for name in ("icpp_llama2.yaml", "README_icpp_llama2_resource_requirements.md"):
            shutil.copy(REPO / "configs" / name, own / "configs" / name)
        (own / ".git").mkdir()
        subprocess.run([tool], cwd=own, env=base_env, check=True, stdout=subprocess.DEVNULL)
        schema = REPO / "icpp_sizer_check" / "schemas" / "config.schema.json"
        document = own / "configs" / "README_icpp_llama2_resource_requirements.md"
        cog_file = own / "cog.md"
        cog_file.write_text(
            "<!-- [[[cog\nimport cog\ncog.out(open('configs/README_icpp_llama2_resource_"
            "requirements.md').read())\n]]] -->\n" + document.read_text() + "<!-- [[[end]]] -->\n"
        )
        floor, cold, warm, cjs, cog = measure(
            [
                (
                    "import floor: python -c 'import yaml, jsonschema'",
                    [python, "-c", "import yaml, jsonschema"],
                    own,
                    base_env,
                ),
                ("icpp-sizer-check, cold (validates)", [tool], own, cold_env),
                ("icpp-sizer-check, configs unchanged (cached)", [tool], own, base_env),
                (
                    "check-jsonschema on the same config",
                    [
                        str(bin_path(env_dir, "check-jsonschema")),
                        "--schemafile",
                        str(schema),
                        "configs/icpp_llama2.yaml",
                    ],
                    own,
                    base_env,
                ),
                (
                    "cog --check on a document of the same size",
                    [str(bin_path(env_dir, "cog")), "--check", "cog.md"],
                    own,
                    base_env,
                ),
            ],
            runs,
        )
        results += [floor, cold, warm, cjs, cog]

        # Scale: many configs, and many models in one config.
        scale_configs: list[tuple[int, Measure, Measure]] = []
        for count in (1, 10, 100, 1000):
            root = work / f"configs-{count}"
            write_project(root, count, 4)
            subprocess.run(
                [tool, "--write"], cwd=root, env=base_env, check=True, stdout=subprocess.DEVNULL
            )
            scale_runs = max(3, runs // (4 if count >= 1000 else 1))
            c, w = measure(
                [
                    (f"{count} configs x 4 models, cold", [tool], root, cold_env),
                    (f"{count} configs x 4 models, cached", [tool], root, base_env),
                ],
                scale_runs,
            )
            scale_configs.append((count, c, w))
            results += [c, w]
        scale_models: list[tuple[int, Measure, Measure]] = []
        for count in (1, 10, 100, 1000):
            root = work / f"models-{count}"
            write_project(root, 1, count)
            subprocess.run(
                [tool, "--write"], cwd=root, env=base_env, check=True, stdout=subprocess.DEVNULL
            )
            cold_models, m = measure(
                [
                    (f"1 config x {count} models, cold", [tool], root, cold_env),
                    (f"1 config x {count} models, cached", [tool], root, base_env),
                ],
                max(3, runs // 2),
            )
            scale_models.append((count, cold_models, m))
            results += [cold_models, m]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    one_config = scale_configs[0][2].seconds
    thousand = scale_configs[-1][2].seconds
    targets = [
        ("cold check / check-jsonschema", cold.seconds / cjs.seconds, 0.55),
        ("cached check / cog --check", warm.seconds / cog.seconds, 1.5),
        ("1000 configs / 1 config (cached)", thousand / one_config, 10.0),
        (
            "1000 configs / 1 config (cold)",
            scale_configs[-1][1].seconds / scale_configs[0][1].seconds,
            10.0,
        ),
        ("peak memory, cold check / import floor", cold.peak_kib / floor.peak_kib, 1.3),
    ]
    print(
        f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {runs} runs per figure (medians)\n"
    )
    print("| what | wall time | peak memory |\n| --- | ---: | ---: |")
    for item in results:
        print(f"| {item.name} | {item.seconds * 1000:.1f} ms | {item.peak_kib / 1024:.1f} MiB |")
    print("\n| ratio | measured | target | |\n| --- | ---: | ---: | --- |")
    failed = False
    for label, value, limit in targets:
        ok = value <= limit
        failed |= not ok
        print(f"| {label} | {value:.2f}x | <= {limit}x | {'met' if ok else 'MISSED'} |")
    per_config_cold = slope([(n, c.seconds) for n, c, _ in scale_configs])
    per_config_warm = slope([(n, w.seconds) for n, _, w in scale_configs])
    per_model_cold = slope([(n, c.seconds) for n, c, _ in scale_models])
    per_model_warm = slope([(n, w.seconds) for n, _, w in scale_models])
    print(
        f"\neach extra config of 4 models: {per_config_cold * 1000:.2f} ms cold, "
        f"{per_config_warm * 1000:.2f} ms cached; each extra model in one config: "
        f"{per_model_cold * 1000:.3f} ms cold, {per_model_warm * 1000:.3f} ms cached"
    )
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "machine": platform.platform(),
                    "python": platform.python_version(),
                    "runs": runs,
                    "figures": [vars(item) for item in results],
                    "ratios": {label: value for label, value, _ in targets},
                    "per_config_ms": {
                        "cold": per_config_cold * 1000,
                        "cached": per_config_warm * 1000,
                    },
                    "per_model_ms": {
                        "cold": per_model_cold * 1000,
                        "cached": per_model_warm * 1000,
                    },
                },
                indent=2,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
