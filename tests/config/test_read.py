from __future__ import annotations

from pathlib import Path

import pytest

from icpp_sizer_check.config.location import locate_config
from icpp_sizer_check.config.read import decode_config, read_config_bytes
from icpp_sizer_check.errors import ConfigError, Position
from icpp_sizer_check.paths import MAX_CONFIG_BYTES


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


def read_problem(path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        read_config_bytes(locate_config(path))
    (problem,) = raised.value.problems
    return str(problem)


def test_a_config_up_to_the_size_limit_is_read_and_a_larger_one_refused(project: Path) -> None:
    config = project / "configs" / "big.yaml"
    config.write_bytes(b"#" * MAX_CONFIG_BYTES)
    assert read_config_bytes(locate_config(config)) == b"#" * MAX_CONFIG_BYTES
    config.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    assert read_problem(config) == (
        "configs/big.yaml: the config is larger than 1024 KiB; is it the right file? "
        "split it into several configs"
    )


def test_a_config_that_cannot_be_read_says_why(project: Path) -> None:
    assert read_problem(project / "configs" / "none.yaml") == (
        "configs/none.yaml: cannot read the config: No such file or directory"
    )
    # A folder named as a config is refused when it is located; one that
    # takes a config's place after that is refused when it is read.
    assert read_problem(project / "configs") == (
        f"{project / 'configs'}/: the config is a folder, not a file; "
        "name a .yaml or .yml file in it"
    )
    replaced = project / "configs" / "replaced.yaml"
    replaced.write_text("")
    location = locate_config(replaced)
    replaced.unlink()
    replaced.mkdir()
    with pytest.raises(ConfigError) as raised:
        read_config_bytes(location)
    assert [str(problem) for problem in raised.value.problems] == [
        "configs/replaced.yaml: cannot read the config: is a folder, not a regular file"
    ]


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_named_at_the_first_character(bom: bytes) -> None:
    with pytest.raises(ConfigError) as raised:
        decode_config(bom + "a: 1\n".encode("utf-16-le"), "c.yaml")
    (problem,) = raised.value.problems
    assert str(problem) == "c.yaml:1:1: the file is UTF-16; save it as UTF-8"


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    assert decode_config("\ufeffa: é\n".encode(), "c.yaml") == "a: é\n"


def test_the_byte_that_is_not_utf8_is_named_in_hex() -> None:
    with pytest.raises(ConfigError) as raised:
        decode_config(b"a: \x0a\xc3(\n", "c.yaml")
    assert [str(problem) for problem in raised.value.problems] == [
        "c.yaml:2:1: not valid UTF-8 (byte 0xc3); save the file as UTF-8"
    ]
