"""llama.cpp (the version llama-cpp-python 0.3.36 vendors) and the driver as a wasm32-wasi module.

``python -m tests.wasm.build`` (run by .ci/run before the tests) builds the
module the tests run under wasmtime. It lands in a folder under
.ci/cache/wasm32/ named by a hash of every input (the sources and headers,
compat.h, compat.cpp, driver.cpp, this module's flags, the toolchain's
versions), built in a scratch folder and renamed into place, and reused while
it exists. Objects are cached the same way, one file each.

The sources are llama.cpp's own, unchanged but for ggml-backend.cpp (its CPU
buffer type capped at 128 MiB, as llama_cpp_canister's fork caps it), ggml-backend-reg.cpp
(replaced by compat.cpp: it searches the file system for dynamic backends)
and llama-quant.cpp (left out: it writes files with std::ofstream, which
zig's wasi libc++ lacks).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

from icpp_sizer_check.runtimes.llama_cpp_canister.wasm_heap import CANISTER_BUFFER_CAP
from tests.oracle.shim import REPO, sdist_root
from tests.wasm import toolchain

HERE = Path(__file__).resolve().parent
BUILD_ROOT = REPO / ".ci" / "cache" / "wasm32"
MODULE = "driver.wasm"
# The stack, placed first in linear memory (zig's wasm-ld layout, and icpp-pro's
# --stack-first). icpp-pro passes no -z stack-size, so a canister gets wasm-ld's
# 64 KiB; llama.cpp's context creation overflows that here (zig's -O2 frames),
# so the module takes 1 MiB and the sizing counts the stack as a setting.
STACK_BYTES = 1024 * 1024
COMPILE_SECONDS = 900
CAPPED_LINE = "/* .get_max_size     = */ NULL, // defaults to SIZE_MAX"
CAP_FUNCTION = "ggml_backend_buffer_type_t ggml_backend_cpu_buffer_type(void) {"
DEFINES = (
    "-DNDEBUG",
    "-DGGML_USE_CPU",
    "-DGGML_SCHED_MAX_COPIES=4",
    "-D_WASI_EMULATED_MMAN",
    "-D_WASI_EMULATED_SIGNAL",
    "-D_WASI_EMULATED_PROCESS_CLOCKS",
    "-D_GNU_SOURCE",
)
# -msimd128: llama_cpp_canister builds with wasm SIMD; ggml-cpu takes its wasm paths.
COMMON_FLAGS = ("-target", "wasm32-wasi", "-O2", "-msimd128", "-w", *DEFINES)
C_FLAGS = ("-std=gnu11",)
CXX_FLAGS = ("-std=c++17", "-include", str(HERE / "compat.h"))
LINK_LIBRARIES = (
    "-lwasi-emulated-mman",
    "-lwasi-emulated-signal",
    "-lwasi-emulated-process-clocks",
)
# zig refuses 4294967296.
MAX_MEMORY = 4294901760


def vendor(environ: Mapping[str, str]) -> Path:
    return sdist_root(environ) / "vendor" / "llama.cpp"


def sources(root: Path) -> list[Path]:
    """Every translation unit of llama.cpp the module links, in a fixed order."""
    ggml = root / "ggml" / "src"
    names = [
        "ggml.c",
        "ggml.cpp",
        "ggml-alloc.c",
        "ggml-backend.cpp",
        "ggml-backend-meta.cpp",
        "ggml-opt.cpp",
    ]
    names += ["ggml-quants.c", "ggml-threading.cpp", "gguf.cpp"]
    cpu = ["ggml-cpu.c", "ggml-cpu.cpp", "binary-ops.cpp", "ops.cpp", "quants.c", "repack.cpp"]
    cpu += [
        "traits.cpp",
        "unary-ops.cpp",
        "vec.cpp",
        "arch/wasm/quants.c",
        "tiled/tiled.cpp",
        "tiled/tiled-kernel.cpp",
    ]
    llama = [p for p in sorted((root / "src").glob("*.cpp")) if p.name != "llama-quant.cpp"]
    models = sorted((root / "src" / "models").glob("*.cpp"))
    return [ggml / n for n in names] + [ggml / "ggml-cpu" / n for n in cpu] + llama + models


def include_dirs(root: Path, generated: Path) -> list[str]:
    folders = [root / "include", root / "ggml" / "include", root / "ggml" / "src"]
    folders += [root / "ggml" / "src" / "ggml-cpu", root / "src", generated]
    return [f"-I{folder}" for folder in folders]


def path_maps(root: Path, generated: Path) -> list[str]:
    """Where the sources lie, mapped out of ``__FILE__`` (llama.cpp's asserts
    keep it in the data segment): a module built in another clone, at a path
    of another length, would otherwise start its heap elsewhere and measure
    other memory.size pages."""
    places = {root: "llama.cpp", HERE: "tests/wasm", generated: "generated"}
    return [f"-ffile-prefix-map={place}={name}" for place, name in places.items()]


def headers_digest(root: Path) -> str:
    """A hash of every header a source may include."""
    digest = hashlib.sha256()
    for folder in ("include", "ggml/include", "ggml/src", "src"):
        for path in sorted((root / folder).rglob("*.h")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    digest.update((HERE / "compat.h").read_bytes() + (HERE / "compat_read.h").read_bytes())
    return digest.hexdigest()


def capped_backend(source: bytes) -> bytes:
    """ggml-backend.cpp with the CPU buffer type's get_max_size answering
    CANISTER_BUFFER_CAP, as llama_cpp_canister's fork has it under wasi."""
    text = source.decode()
    if text.count(CAP_FUNCTION) != 1 or CAPPED_LINE not in text.split(CAP_FUNCTION)[1]:
        raise RuntimeError("ggml-backend.cpp is not the version the cap is written for")
    head, tail = text.split(CAP_FUNCTION)
    function = (
        "static size_t icpp_cpu_buffer_max_size(ggml_backend_buffer_type_t) "
        f"{{ return {CANISTER_BUFFER_CAP}u; }}\n\n"
    )
    tail = tail.replace(CAPPED_LINE, "/* .get_max_size     = */ icpp_cpu_buffer_max_size,", 1)
    return (head + function + CAP_FUNCTION + tail).encode()


def object_key(parts: Sequence[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()[:24]


def compile_one(source: Path, text: bytes, flags: list[str], objects: Path, salt: bytes) -> Path:
    """``source`` (with the bytes ``text``) compiled, or the cached object of the same inputs."""
    key = object_key([source.name.encode(), text, " ".join(flags).encode(), salt])
    target = objects / f"{source.stem}-{key}.o"
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(dir=objects) as scratch:
        unit = Path(scratch) / source.name
        unit.write_bytes(text)
        command = [*toolchain.zig_command(), "cc" if source.suffix == ".c" else "c++"]
        command += [*flags, f"-ffile-prefix-map={scratch}={source.parent.name}"]
        command += [f"-I{source.parent}", "-c", str(unit), "-o", str(unit) + ".o"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_SECONDS)
        if done.returncode != 0:
            raise RuntimeError(f"compiling {source.name} failed:\n{done.stderr[-4000:]}")
        Path(str(unit) + ".o").replace(target)
    return target


def link_command(objects: Sequence[Path], output: Path) -> list[str]:
    return [
        *toolchain.zig_command(),
        "c++",
        "-target",
        "wasm32-wasi",
        *map(str, objects),
        *LINK_LIBRARIES,
        f"-Wl,-z,stack-size={STACK_BYTES}",
        f"-Wl,--max-memory={MAX_MEMORY}",
        "-o",
        str(output),
    ]


def build(environ: Mapping[str, str] = os.environ) -> Path:
    """The module for today's inputs, built if no build of them exists."""
    root = vendor(environ)
    zig = toolchain.zig_version()
    units = [*sources(root), HERE / "compat.cpp", HERE / "driver.cpp"]
    texts = {unit: unit.read_bytes() for unit in units}
    backend = root / "ggml" / "src" / "ggml-backend.cpp"
    texts[backend] = capped_backend(texts[backend])
    salt = "\0".join([zig, headers_digest(root), toolchain.WASI_LIBC_SHA256]).encode()
    objects, generated = BUILD_ROOT / "objects", BUILD_ROOT / "generated"
    base = [*COMMON_FLAGS, *include_dirs(root, generated), *path_maps(root, generated)]

    def flags(unit: Path) -> list[str]:
        reads = ["-include", str(HERE / "compat_read.h")] if unit.name == "llama-mmap.cpp" else []
        return [*base, *(C_FLAGS if unit.suffix == ".c" else CXX_FLAGS), *reads]

    commands = [" ".join(flags(unit)) for unit in units] + [" ".join(link_command([], Path()))]
    module_key = object_key([*texts.values(), salt, *map(str.encode, commands)])
    folder = BUILD_ROOT / f"module-{module_key}"
    if (folder / MODULE).is_file():
        return folder / MODULE
    for made in (objects, generated):
        made.mkdir(parents=True, exist_ok=True)
    (generated / "ggml-version.h").write_text(
        '#define GGML_VERSION "0.3.36"\n#define GGML_COMMIT "vendored"\n'
    )
    (generated / "llama-version.h").write_text(
        '#define LLAMA_VERSION "0.3.36"\n#define LLAMA_COMMIT "vendored"\n'
    )
    malloc = toolchain.dlmalloc(BUILD_ROOT / "wasi-libc")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        built = list(pool.map(lambda u: compile_one(u, texts[u], flags(u), objects, salt), units))
    scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=BUILD_ROOT))
    try:
        done = subprocess.run(
            link_command([*built, malloc], scratch / MODULE),
            capture_output=True,
            text=True,
            timeout=COMPILE_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"linking {MODULE} failed:\n{done.stderr[-6000:]}")
        try:
            scratch.rename(folder)
        except OSError:  # another build of the same inputs won the rename
            if not (folder / MODULE).is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder / MODULE


def main() -> None:
    start = time.perf_counter()
    module = build()
    print(f"{module} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
