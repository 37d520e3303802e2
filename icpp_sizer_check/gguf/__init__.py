"""GGUF, the file format of llama.cpp's models: its header read (metadata and
tensor infos, never the weights) and the ggml tensor types it declares.

A file format, not a runtime: any runtime that serves GGUF models reads its
files here, and each maps the metadata keys to what it sizes."""
