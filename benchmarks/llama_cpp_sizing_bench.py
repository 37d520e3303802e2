"""What sizing one llama_cpp_canister model costs: the compute graph built and
placed, the search for the largest ctx_size that fits, and the tokens per
update call.

    python benchmarks/llama_cpp_sizing_bench.py [--runs N]

For each model of the published config (tests/data/published/), the median
of N runs of ``size_model`` (one graph), of ``max_ctx_size`` (the search),
with the number of graphs the search built, and of ``ceilings`` (the
decodes' graphs, each built once).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from icpp_sizer_check.runtimes.llama_cpp_canister import fit, sizing
from icpp_sizer_check.runtimes.llama_cpp_canister.update_call import ceilings
from tests.runtimes.llama_cpp_canister.published import all_published_models

LIMIT = 3840 * 1024 * 1024


def _median_ms(runs: int, call: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(
        "| model | layers | one sizing | largest ctx_size search | graphs built | tokens per call |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    original = sizing.size_model
    for name, model in all_published_models().items():
        arch, settings = model.architecture, model.settings
        one = _median_ms(runs, partial(original, arch, settings))
        search = _median_ms(runs, partial(fit.max_ctx_size, arch, settings, LIMIT))
        calls = _median_ms(runs, partial(ceilings, arch, settings, settings.ctx_size))
        built: list[int] = []

        def counted(arch_: object, settings_: object, built: list[int] = built) -> object:
            built.append(1)
            return original(arch_, settings_)  # type: ignore[arg-type]

        # fit.py calls the size_model it imported
        fit.size_model = counted  # type: ignore[assignment]
        fit.max_ctx_size(arch, settings, LIMIT)
        fit.size_model = original
        print(
            f"| {name} | {arch.n_layer} | {one:.1f} ms | {search:.1f} ms | {len(built)} "
            f"| {calls:.1f} ms |"
        )


if __name__ == "__main__":
    main()
