"""The first stage: a config's bytes, capped in size, and their UTF-8 text."""

from __future__ import annotations

from icpp_sizer_check import paths
from icpp_sizer_check.config.location import ConfigLocation
from icpp_sizer_check.errors import ConfigError, Position, Problem, position_in_text
from icpp_sizer_check.paths import MAX_CONFIG_BYTES


def read_config_bytes(location: ConfigLocation) -> bytes:
    """The config's bytes, read from the file its symlinks lead to; ConfigError
    when unreadable or too large to be a config."""
    try:
        raw = paths.read_regular(location.real, MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise unreadable_config(location.shown, error.strerror or str(error)) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise config_too_large(location.shown)
    return raw


def unreadable_config(file: str, reason: str) -> ConfigError:
    return ConfigError([Problem(file, f"cannot read the config: {reason}")])


def config_too_large(file: str) -> ConfigError:
    return ConfigError(
        [
            Problem(
                file,
                f"the config is larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                "is it the right file? split it into several configs",
            )
        ]
    )


def decode_config(raw: bytes, file: str) -> str:
    """UTF-8 text of a config, a leading BOM allowed; else a ConfigError."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError([Problem(file, "the file is UTF-16; save it as UTF-8", Position(1, 1))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        # Counted in bytes, as an editor shows a file it cannot decode: one
        # character per byte.
        before = raw[: error.start].decode("latin-1")
        raise ConfigError(
            [
                Problem(
                    file,
                    f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
                    position_in_text(before, len(before)),
                )
            ]
        ) from None
    return text.removeprefix("\ufeff")
