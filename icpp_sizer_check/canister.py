"""The Internet Computer's limits on one canister: its wasm targets and their heap caps.

This table is the only place the caps are written. The config check, the
remedies and every report read them from here; the schema's ``canister.wasm``
enum and its description are tested against it.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

MIB = 1024 * 1024


def mib_to_bytes(mib: int) -> int:
    return mib * MIB


class WasmTarget(NamedTuple):
    """A wasm target a canister can be built for, and the most heap it can have."""

    name: str
    heap_cap_mib: int


# 32-bit addresses reach 4 GiB; the IC caps a wasm64 canister's heap at 6 GiB.
WASM32 = WasmTarget("wasm32", 4096)
WASM64 = WasmTarget("wasm64", 6144)

TARGETS: dict[str, WasmTarget] = {target.name: target for target in (WASM32, WASM64)}
DEFAULT_TARGET = WASM32


def memory_above_cap(
    memory_mib: int, target: WasmTarget, targets: Sequence[WasmTarget]
) -> str | None:
    """Why ``memory_mib`` cannot be given to a canister of ``target``, and what to
    do instead; None when it can. ``targets``: those the runtime is built for (a
    runtime built for wasm32 only lists that one, and no message then offers a
    target it cannot use)."""
    cap = target.heap_cap_mib
    if memory_mib <= cap:
        return None
    reason = f"{memory_mib} MiB is above the {target.name} heap cap of {cap} MiB; lower it to {cap}"
    roomier = [other for other in targets if other.heap_cap_mib >= memory_mib]
    if roomier:
        other = min(roomier, key=lambda candidate: candidate.heap_cap_mib)
        return (
            f"{reason} or less, or set canister.wasm: {other.name} (cap {other.heap_cap_mib} MiB)"
        )
    return (
        f"{reason} or less; no canister's heap is that large: to serve more users, "
        "spread them over several canisters"
    )
