"""The shim (shim.cpp) compiled against llama-cpp-python's libllama, once per set of inputs.

llama.cpp's memory breakdown and its reserve graph are C++ (src/llama-ext.h),
out of reach of llama-cpp-python's ctypes API, so the tests compile a small
shared library against the installed llama_cpp package's own libraries and
the headers of the same version's source distribution.

The build lands in a folder named by a hash of what makes it (shim.cpp's
bytes, the llama_cpp version and library folder, the compiler's version) and
is reused while that folder exists; it is compiled into a temporary folder
and renamed into place, so a build cut short or two builds at once never
leave a half-written library where the next run looks.

This module imports neither llama_cpp nor the test tools: the dry run's fresh
process builds (or finds) the shim through it. What is missing is raised as
:class:`Unavailable`, with what to do; the tests turn it into a skip, or a
failure under CI.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Mapping

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(__file__).resolve().parent / "shim.cpp"
LLAMA_CPP_PYTHON = "0.3.36"
# llama.cpp's source: llama-cpp-python's source distribution, extracted.
SDIST_VARIABLE = "LLAMA_CPP_SDIST"
DEFAULT_SDIST = REPO / ".ci" / "cache" / f"llama_cpp_python-{LLAMA_CPP_PYTHON}"
BUILD_ROOT = REPO / ".ci" / "cache" / "oracle-shim"
LIBRARY = "libicpp_oracle_shim.so"
COMPILER = "g++"
SONAME = "libllama.so.0"
COMPILE_SECONDS = 300


class Unavailable(Exception):
    """A part the shim needs is missing; the message says how to get it."""


def sdist_root(environ: Mapping[str, str]) -> Path:
    """The extracted source distribution: $LLAMA_CPP_SDIST, else .ci/cache's."""
    root = Path(environ.get(SDIST_VARIABLE) or DEFAULT_SDIST)
    if not (root / "vendor" / "llama.cpp" / "src" / "llama-ext.h").is_file():
        raise Unavailable(
            f"llama.cpp's source is not at {root}: set {SDIST_VARIABLE} to an extracted "
            f"llama-cpp-python {LLAMA_CPP_PYTHON} sdist, or run .ci/run's fetch step "
            "(pip download --no-binary :all: --no-deps --dest .ci/cache "
            f"llama-cpp-python=={LLAMA_CPP_PYTHON}, then extract it there)"
        )
    return root


def llama_cpp_library() -> tuple[str, Path]:
    """The installed llama_cpp's version and the folder of its libraries
    (found without importing it: the import alone costs 0.2 s)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        raise Unavailable(
            "llama_cpp is not installed: pip install --no-binary llama-cpp-python "
            f"llama-cpp-python=={LLAMA_CPP_PYTHON}"
        )
    version = importlib.metadata.version("llama_cpp_python")
    return version, Path(spec.origin).parent / "lib"


def compiler_version(compiler: str = COMPILER) -> str:
    try:
        done = subprocess.run(
            [compiler, "--version"], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise Unavailable(f"no C++ compiler ({compiler}: {error}): install g++") from error
    return done.stdout.splitlines()[0] if done.stdout else ""


def build_key(source: bytes, llama_cpp_version: str, compiler: str, lib: str = "") -> str:
    """The build folder's name: a hash of every input the library depends on
    (``lib``, the folder its rpath and libllama.so link name: a build for
    another environment's llama_cpp would load that one's libraries)."""
    digest = hashlib.sha256()
    for part in (source, llama_cpp_version.encode(), compiler.encode(), lib.encode()):
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.hexdigest()[:20]


def compile_command(source: Path, output: Path, sdist: Path, lib: Path) -> list[str]:
    vendor = sdist / "vendor" / "llama.cpp"
    includes = [vendor / "include", vendor / "ggml" / "include", vendor / "src"]
    return [
        COMPILER,
        "-std=c++17",
        "-shared",
        "-fPIC",
        "-O1",
        *(f"-I{folder}" for folder in includes),
        str(source),
        "-o",
        str(output),
        f"-L{lib}",
        f"-Wl,-rpath,{lib}",
        "-lllama",
        "-lggml",
        "-lggml-base",
        "-ldl",
    ]


def build(environ: Mapping[str, str] = os.environ) -> Path:
    """The shim library for today's inputs, compiled if no build of them exists."""
    sdist = sdist_root(environ)
    version, lib = llama_cpp_library()
    source = SOURCE.read_bytes()
    folder = BUILD_ROOT / build_key(source, version, compiler_version(), str(lib))
    library = folder / LIBRARY
    if library.is_file():
        return library
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=BUILD_ROOT))
    try:
        done = subprocess.run(
            compile_command(SOURCE, scratch / LIBRARY, sdist, lib),
            capture_output=True,
            text=True,
            timeout=COMPILE_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"compiling {SOURCE.name} failed:\n{done.stderr[-4000:]}")
        # llama-cpp-python's wheel holds libllama.so and libllama.so.0 as two
        # files: llama_cpp opens the first by path, the shim needs the second
        # by its soname, and the loader would map two llama.cpps, each with
        # its own state. A process pointing llama_cpp here (LLAMA_CPP_LIB_PATH)
        # opens the very file the shim uses.
        (scratch / "libllama.so").symlink_to(lib / SONAME)
        try:
            scratch.rename(folder)
        except OSError:  # another build of the same inputs won the rename
            if not library.is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return library
