from __future__ import annotations

from icpp_sizer_check.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
