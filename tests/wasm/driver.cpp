// The wasm32 module the tests run under wasmtime: loads a GGUF file as a
// llama_cpp_canister does (no mmap, no extra buffer types, one thread),
// creates one context, decodes a prompt and one more token, and writes as
// JSON lines on stdout llama.cpp's memory breakdown and the linear memory's
// size (memory.size, what a canister's get_memory_status reports) after each
// step.
//
// Each report also calls the host's env.mark, where the host reads the fuel
// (wasm instructions) spent so far.
//
// Usage: driver MODEL N_CTX N_BATCH N_UBATCH TYPE_K TYPE_V FLASH_ATTN N_PROMPT [N_GENERATE]
//        driver --vocab MODEL  (a vocabulary-only load: the vocabulary's heap)
#include "llama.h"
#include "llama-ext.h"
#include "ggml-backend.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

size_t memory_bytes() { return __builtin_wasm_memory_size(0) * 65536; }

extern "C" __attribute__((import_module("env"), import_name("mark"))) void host_mark(void);

void report(const char * stage) {
    printf("{\"stage\": \"%s\", \"memory\": %zu}\n", stage, memory_bytes());
    fflush(stdout);
    host_mark();
}

void quiet(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

}  // namespace

// The vocabulary alone, as vocabulary.py measures it natively.
int vocabulary_only(const char * path) {
    report("start");
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    mparams.load_mode = LLAMA_LOAD_MODE_NONE;
    mparams.use_extra_bufts = false;
    mparams.vocab_only = true;
    llama_model * model = llama_model_load_from_file(path, mparams);
    if (model == nullptr) {
        printf("{\"stage\": \"load\", \"error\": \"the vocabulary did not load\"}\n");
        return 1;
    }
    printf("{\"stage\": \"model\", \"model_size\": 0, \"n_vocab\": %d}\n",
           llama_vocab_n_tokens(llama_model_get_vocab(model)));
    report("load");
    return 0;
}

int main(int argc, char ** argv) {
    if (argc == 3 && strcmp(argv[1], "--vocab") == 0) {
        return vocabulary_only(argv[2]);
    }
    if (argc != 9 && argc != 10) {
        fprintf(stderr, "usage: %s MODEL N_CTX N_BATCH N_UBATCH TYPE_K TYPE_V FLASH_ATTN N_PROMPT\n", argv[0]);
        return 2;
    }
    report("start");
    printf("{\"stage\": \"sizes\", \"tensor_overhead\": %zu, \"graph_overhead_1024\": %zu, \"graph_overhead_4096\": %zu}\n",
           ggml_tensor_overhead(), ggml_graph_overhead_custom(1024, false), ggml_graph_overhead_custom(4096, false));
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    mparams.load_mode = LLAMA_LOAD_MODE_NONE;
    mparams.use_extra_bufts = false;
    llama_model * model = llama_model_load_from_file(argv[1], mparams);
    if (model == nullptr) {
        printf("{\"stage\": \"load\", \"error\": \"the model did not load\"}\n");
        return 1;
    }
    printf("{\"stage\": \"model\", \"model_size\": %llu, \"n_vocab\": %d}\n",
           (unsigned long long) llama_model_size(model), llama_vocab_n_tokens(llama_model_get_vocab(model)));
    report("load");

    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = (uint32_t) atoi(argv[2]);
    cparams.n_batch = (uint32_t) atoi(argv[3]);
    cparams.n_ubatch = (uint32_t) atoi(argv[4]);
    cparams.type_k = (ggml_type) atoi(argv[5]);
    cparams.type_v = (ggml_type) atoi(argv[6]);
    cparams.flash_attn_type = atoi(argv[7]) ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cparams.n_seq_max = 1;
    cparams.n_threads = cparams.n_threads_batch = 1;
    cparams.swa_full = false;
    cparams.kv_unified = false;
    llama_context * ctx = llama_init_from_model(model, cparams);
    if (ctx == nullptr) {
        printf("{\"stage\": \"context\", \"error\": \"the context was not created\"}\n");
        return 1;
    }
    size_t sums[3] = {0, 0, 0};
    for (const auto & entry : llama_get_memory_breakdown(ctx)) {
        sums[0] += entry.second.model;
        sums[1] += entry.second.context;
        sums[2] += entry.second.compute;
    }
    printf("{\"stage\": \"breakdown\", \"n_ctx\": %u, \"model\": %zu, \"context\": %zu, \"compute\": %zu}\n",
           llama_n_ctx(ctx), sums[0], sums[1], sums[2]);
    report("context");

    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::vector<llama_token> prompt((size_t) atoi(argv[8]));
    for (size_t i = 0; i < prompt.size(); ++i) {
        prompt[i] = (llama_token) (1 + i % (size_t) (n_vocab - 1));
    }
    const int status = prompt.empty() ? 0 : llama_decode(ctx, llama_batch_get_one(prompt.data(), (int32_t) prompt.size()));
    printf("{\"stage\": \"decoded\", \"status\": %d}\n", status);
    report("prompt");
    llama_token next = 1;
    const int status_next = llama_decode(ctx, llama_batch_get_one(&next, 1));
    printf("{\"stage\": \"decoded\", \"status\": %d}\n", status_next);
    report("token");
    // Further tokens one at a time, as generation decodes them.
    const int n_generate = argc == 10 ? atoi(argv[9]) : 1;
    int status_more = 0;
    for (int i = 1; i < n_generate && status_more == 0; ++i) {
        next = (llama_token) (1 + (size_t) i % (size_t) (n_vocab - 1));
        status_more = llama_decode(ctx, llama_batch_get_one(&next, 1));
    }
    printf("{\"stage\": \"decoded\", \"status\": %d}\n", status_more);
    report("generated");
    return 0;
}
