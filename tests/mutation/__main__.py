from __future__ import annotations

from tests.mutation.score import main

raise SystemExit(main())
