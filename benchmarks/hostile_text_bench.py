"""The time a hostile document or config of each shape takes, at the largest
size the tool reads (2 MiB of document, 1 MiB of config) and at half of it.

Run from the repository root:

    python benchmarks/hostile_text_bench.py              # every shape
    python benchmarks/hostile_text_bench.py heading      # the shapes named so

It prints a Markdown table: per shape, the seconds of the slowest of the four
comparisons (exact and content, against the compact and the aligned style) or
of one config load, at half size and at full size, and their ratio (about 2
for linear time, 4 for quadratic). The shapes are those tests/test_linear_time.py
holds to linear time.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from icpp_sizer_check.paths import MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES  # noqa: E402
from tests.test_linear_time import CONFIGS, DOCUMENTS, _compare, _load  # noqa: E402


def main(words: list[str]) -> None:
    print("| shape | half size (s) | full size (s) | ratio |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / ".git").mkdir()
        for kind, shapes, size in (
            ("document", DOCUMENTS, MAX_DOCUMENT_BYTES - 16),
            ("config", CONFIGS, MAX_CONFIG_BYTES - 4096),
        ):
            for name, shape in shapes.items():
                if words and not any(word in name for word in words):
                    continue
                if kind == "document":
                    half, full = (_compare(shape(n).encode(), ways=4) for n in (size // 2, size))
                else:
                    half, full = (_load(project, shape(n)) for n in (size // 2, size))
                ratio = full / half if half else float("nan")
                print(f"| {kind}: {name} | {half:.3f} | {full:.3f} | {ratio:.1f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
