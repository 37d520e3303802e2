from __future__ import annotations

import pytest

from icpp_sizer_check.config.read import decode_config
from icpp_sizer_check.errors import ConfigError, Position


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"title: x\xff\n", Position(1, 9)),
        # Columns count bytes, as an editor shows a file it cannot decode.
        (b"title: \xc3\xa9\xc3\xa9 \xff\n", Position(1, 13)),
        (b"\xef\xbb\xbf\xff", Position(1, 4)),
        (b"a: 1\nb: \xfe\n", Position(2, 4)),
    ],
)
def test_the_first_byte_that_is_not_utf8_is_placed(raw: bytes, where: Position) -> None:
    with pytest.raises(ConfigError) as raised:
        decode_config(raw, "c.yaml")
    (problem,) = raised.value.problems
    assert problem.position == where
    assert problem.message.startswith("not valid UTF-8 (byte 0x")
    assert problem.message.endswith("); save the file as UTF-8")
