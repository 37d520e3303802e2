"""The tokenizer keys of a generated GGUF file: as few bytes as a loadable vocabulary takes.

llama.cpp builds its vocabulary from the token strings, so a tokenizer that
needs them gets real, distinct ones, kept short so that a 262,144-token
header stays a few MB: SPM (``llama``) its unknown/BOS/EOS tokens and the 256
``<0xXX>`` byte tokens; BPE (``gpt2``) GPT-2's 256 byte-level tokens and
``n_merges`` merges of them. ``none`` has no strings: ``{arch}.vocab_size``
dummy tokens.
"""

from __future__ import annotations

import gguf

# tokenizer.ggml.token_type values (llama.h's llama_token_type).
NORMAL, UNKNOWN, CONTROL, BYTE = 1, 2, 3, 6
SPM_SPECIALS = ("<unk>", "<s>", "</s>")


def byte_level_tokens() -> list[str]:
    """GPT-2's printable stand-in for each byte (its bytes_to_unicode), in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAC + 1), *range(0xAE, 0xFF + 1)]
    extra = 0
    texts = []
    for byte in range(256):
        if byte in printable:
            texts.append(chr(byte))
        else:
            texts.append(chr(256 + extra))
            extra += 1
    return texts


def plain_tokens(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{index:x}" for index in range(count)]


def _spm(writer: gguf.GGUFWriter, n_vocab: int) -> None:
    bytes_ = [f"<0x{value:02X}>" for value in range(256)] if n_vocab >= 259 + 1 else []
    plain = plain_tokens(n_vocab - len(SPM_SPECIALS) - len(bytes_), "\u2581")
    writer.add_tokenizer_model("llama")
    writer.add_token_list([*SPM_SPECIALS, *bytes_, *plain])
    writer.add_token_scores(
        [0.0] * (3 + len(bytes_)) + [-float(index) for index in range(len(plain))]
    )
    writer.add_token_types(
        [UNKNOWN, CONTROL, CONTROL] + [BYTE] * len(bytes_) + [NORMAL] * len(plain)
    )
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)


def merges(count: int) -> list[str]:
    """``count`` distinct merges of byte-level tokens (repeating past 65,536)."""
    chars = byte_level_tokens()
    return [f"{chars[index % 256]} {chars[(index // 256) % 256]}" for index in range(count)]


def _bpe(writer: gguf.GGUFWriter, n_vocab: int, n_merges: int) -> None:
    bytes_ = byte_level_tokens() if n_vocab > 256 else []
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([*bytes_, *plain_tokens(n_vocab - len(bytes_), "t")])
    writer.add_token_types([NORMAL] * n_vocab)
    key = gguf.Keys.Tokenizer.MERGES
    writer.add_key_value(key, merges(n_merges), gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.STRING)


def add_vocabulary(
    writer: gguf.GGUFWriter, arch: str, tokenizer: str, n_vocab: int, n_merges: int
) -> None:
    """Write the vocabulary keys of ``n_vocab`` tokens for ``tokenizer``
    (tokenizer.ggml.model: llama, gpt2 or none)."""
    if tokenizer == "none":
        writer.add_tokenizer_model("none")
        writer.add_uint32(gguf.Keys.LLM.VOCAB_SIZE.format(arch=arch), n_vocab)
    elif tokenizer == "llama":
        _spm(writer, n_vocab)
    elif tokenizer == "gpt2":
        _bpe(writer, n_vocab, n_merges)
    else:
        raise ValueError(f"no generated vocabulary for tokenizer {tokenizer!r}")
