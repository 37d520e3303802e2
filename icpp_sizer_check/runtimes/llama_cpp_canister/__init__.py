"""llama_cpp_canister: GGUF models under llama.cpp, compiled to a wasm32 canister."""
