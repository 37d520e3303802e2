// Force-included into llama-mmap.cpp alone: its fread of a whole tensor (a
// full-size model's embedding table is hundreds of MB) fails under wasmtime
// with ENOMEM, where a canister's file system reads it whole. The same read,
// a MiB at a time (compat.cpp).
#pragma once
#include <cstdio>

extern "C" size_t icpp_chunked_fread(void * buffer, size_t size, size_t count, FILE * file);
#define fread icpp_chunked_fread
namespace std {
using ::icpp_chunked_fread;
}
