"""The runtimes a config can size models for, by name.

The registry names each runtime's module; only the runtimes a run's configs
ask for are imported. A config names its runtime with the ``runtime`` key.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from icpp_sizer_check.runtimes.base import Runtime

RUNTIMES = {
    "icpp_llama2": "icpp_sizer_check.runtimes.icpp_llama2",
    "llama_cpp_canister": "icpp_sizer_check.runtimes.llama_cpp_canister",
}
DEFAULT_RUNTIME = "icpp_llama2"


def get_runtime(name: str) -> Runtime:
    runtime: Runtime = import_module(RUNTIMES[name]).RUNTIME
    return runtime
