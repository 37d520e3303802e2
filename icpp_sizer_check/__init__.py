"""Keep generated canister sizing documents for llama2.c models honest."""

from __future__ import annotations

__version__ = "0.1.0"
__program__ = "icpp-sizer-check"
