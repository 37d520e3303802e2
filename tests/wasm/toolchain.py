"""The pinned toolchain of the wasm32-wasi build: zig's clang, and wasi-libc's dlmalloc.

zig (pip ``ziglang``) brings clang, wasi-libc and libc++ for wasm32-wasi, but
its own ``malloc`` rounds every large block up to a power of two; the
canister's build (wasi-sdk) links wasi-libc's dlmalloc. Debian's ``wasi-libc``
package carries it in ``libc.a`` as ``dlmalloc.o``: fetched with ``apt-get
download`` (no root), held to its pinned sha256, and taken out of the two
archives (the .deb, an ar archive; libc.a, another) here in Python.

What is missing is raised as :class:`Unavailable`, with what to do.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Iterator

from tests.oracle.shim import Unavailable

ZIGLANG = "0.17.1"
WASMTIME = "50.0.1"
WASI_LIBC_VERSION = "0.0~git20220510.9886d3d-2"
WASI_LIBC_DEB = f"wasi-libc_{WASI_LIBC_VERSION}_all.deb"
WASI_LIBC_SHA256 = "513e25eeca77f7e31adf928b684714dd656cc6bc70c2970abfe3b4117e3b736f"
LIBC_MEMBER = "./usr/lib/wasm32-wasi/libc.a"
DLMALLOC = "dlmalloc.o"
AR_MAGIC = b"!<arch>\n"
DOWNLOAD_SECONDS = 300

__all__ = ["Unavailable", "dlmalloc", "zig_command", "zig_version"]


def zig_command() -> list[str]:
    """zig run as pip's ``ziglang`` installs it, with this interpreter."""
    return [sys.executable, "-m", "ziglang"]


def zig_version() -> str:
    try:
        version = importlib.metadata.version("ziglang")
    except importlib.metadata.PackageNotFoundError as error:
        raise Unavailable(f"ziglang is not installed: pip install ziglang=={ZIGLANG}") from error
    if version != ZIGLANG:
        raise Unavailable(f"ziglang {version} is installed; the build is pinned to {ZIGLANG}")
    return version


def ar_members(archive: bytes) -> Iterator[tuple[str, bytes]]:
    """The (name, bytes) of each member of a System V / GNU ar archive."""
    if not archive.startswith(AR_MAGIC):
        raise ValueError("not an ar archive")
    at, long_names = len(AR_MAGIC), b""
    while at + 60 <= len(archive):
        header = archive[at : at + 60]
        name, size = header[:16].decode().strip(), int(header[48:58].decode().strip())
        data = archive[at + 60 : at + 60 + size]
        at += 60 + size + (size & 1)
        if name == "//":
            long_names = data
            continue
        if name.startswith("/") and name[1:].isdigit():
            start = int(name[1:])
            name = long_names[start : long_names.index(b"/\n", start)].decode()
        yield name.rstrip("/"), data


def member(archive: bytes, wanted: str) -> bytes:
    for name, data in ar_members(archive):
        if name == wanted:
            return data
    raise ValueError(f"no {wanted} in the archive")


def fetch_deb(folder: Path) -> Path:
    """Debian's wasi-libc package at its pinned version, checked."""
    deb = folder / WASI_LIBC_DEB
    if not deb.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                ["apt-get", "download", f"wasi-libc={WASI_LIBC_VERSION}"],
                cwd=folder,
                capture_output=True,
                check=True,
                timeout=DOWNLOAD_SECONDS,
            )
        except (OSError, subprocess.CalledProcessError) as error:
            raise Unavailable(
                f"apt-get download wasi-libc={WASI_LIBC_VERSION} failed ({error}): "
                f"put {WASI_LIBC_DEB} in {folder}"
            ) from error
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    if digest != WASI_LIBC_SHA256:
        deb.unlink()
        raise Unavailable(f"{deb} has sha256 {digest}, not the pinned {WASI_LIBC_SHA256}")
    return deb


def dlmalloc(folder: Path) -> Path:
    """wasi-libc's dlmalloc.o, taken out of the pinned package into ``folder``."""
    target = folder / DLMALLOC
    if target.is_file():
        return target
    deb = fetch_deb(folder)
    data = next(d for name, d in ar_members(deb.read_bytes()) if name.startswith("data.tar"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        extracted = tar.extractfile(LIBC_MEMBER)
        if extracted is None:
            raise ValueError(f"{deb} holds no {LIBC_MEMBER}")
        libc = extracted.read()
    scratch = target.with_suffix(".partial")
    scratch.write_bytes(member(libc, DLMALLOC))
    scratch.replace(target)
    return target
