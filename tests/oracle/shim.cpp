// What the tests ask of llama.cpp that its C API does not answer: the memory
// breakdown of a context (a C++ function of llama-ext.h) and the tensors of
// the compute graph llama.cpp reserves, for the sizing's own graph to be held
// to. Built by tests/oracle/shim.py against llama-cpp-python's libllama.
//
// It also stands in for ggml_backend_buft_alloc_buffer, so that every buffer
// llama.cpp allocates is known to the byte: loaded with RTLD_GLOBAL before
// llama.cpp itself, the shim comes first in the lookup of libllama's calls.
// llama.cpp logs the output buffer only in MiB with two decimals; this is its
// exact size.
#include "llama.h"
#include "llama-ext.h"
#include "ggml.h"
#include "ggml-backend.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <unordered_map>
#include <vector>

namespace {

// The head of ggml's struct ggml_cgraph (ggml/src/ggml-impl.h): the graph's
// leafs have no accessor in ggml.h.
struct cgraph_head {
    int size;
    int n_nodes;
    int n_leafs;
    ggml_tensor ** nodes;
    ggml_tensor ** grads;
    ggml_tensor ** grad_accs;
    ggml_tensor ** leafs;
};

void json_string(FILE * out, const char * text) {
    fputc('"', out);
    for (const unsigned char * c = (const unsigned char *) text; *c; ++c) {
        if (*c == '"' || *c == '\\') {
            fprintf(out, "\\%c", *c);
        } else if (*c < 0x20 || *c >= 0x7f) {
            fprintf(out, "\\u%04x", *c);
        } else {
            fputc(*c, out);
        }
    }
    fputc('"', out);
}

using alloc_buffer_fn = ggml_backend_buffer_t (*)(ggml_backend_buffer_type_t, size_t);

// The sizes asked of ggml_backend_buft_alloc_buffer since the last
// shim_allocations. Never destroyed: llama.cpp's own static destructors may
// still allocate at exit.
std::vector<size_t> & allocations = *new std::vector<size_t>();

}  // namespace

extern "C" {

ggml_backend_buffer_t ggml_backend_buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    static const alloc_buffer_fn real = (alloc_buffer_fn) dlsym(RTLD_NEXT, "ggml_backend_buft_alloc_buffer");
    allocations.push_back(size);
    return real(buft, size);
}

// Copy up to max of the buffer sizes allocated since the last call into sizes,
// forget them all, and answer how many there were.
int shim_allocations(size_t * sizes, int max) {
    const int count = (int) allocations.size();
    for (int i = 0; i < count && i < max; ++i) {
        sizes[i] = allocations[i];
    }
    allocations.clear();
    return count;
}

// The model, context (KV and recurrent state) and compute bytes of ctx,
// summed over buffer types; answers how many buffer types there were.
int shim_memory_breakdown(const llama_context * ctx, size_t * model, size_t * context, size_t * compute) {
    const llama_memory_breakdown breakdown = llama_get_memory_breakdown(ctx);
    *model = *context = *compute = 0;
    for (const auto & entry : breakdown) {
        *model += entry.second.model;
        *context += entry.second.context;
        *compute += entry.second.compute;
    }
    return (int) breakdown.size();
}

// Reserve the graph of a ubatch and write its tensors to path as JSON lines,
// nodes in order, then leafs, then any other tensor they reference: each with
// its id, kind, name, op, type, ne, nb, nbytes, flags, view source and offset,
// sources, and whether its memory lies outside the compute buffer. Answers 0,
// or -1 when llama.cpp reserved no graph, -2 when path cannot be written.
int shim_dump_graph(llama_context * ctx, uint32_t n_tokens, uint32_t n_seqs, uint32_t n_outputs, const char * path) {
    ggml_cgraph * graph = llama_graph_reserve(ctx, n_tokens, n_seqs, n_outputs);
    if (graph == nullptr) {
        return -1;
    }
    FILE * out = fopen(path, "w");
    if (out == nullptr) {
        return -2;
    }
    const cgraph_head * head = (const cgraph_head *) graph;
    std::unordered_map<const ggml_tensor *, int> ids;
    std::vector<std::pair<const ggml_tensor *, const char *>> order;
    auto id_of = [&](const ggml_tensor * tensor, const char * kind) {
        auto found = ids.find(tensor);
        if (found != ids.end()) {
            return found->second;
        }
        const int id = (int) order.size();
        ids.emplace(tensor, id);
        order.emplace_back(tensor, kind);
        return id;
    };
    for (int i = 0; i < head->n_nodes; ++i) {
        id_of(head->nodes[i], "node");
    }
    for (int i = 0; i < head->n_leafs; ++i) {
        id_of(head->leafs[i], "leaf");
    }
    for (size_t i = 0; i < order.size(); ++i) {  // grows as sources are met
        const ggml_tensor * tensor = order[i].first;
        for (int j = 0; j < GGML_MAX_SRC; ++j) {
            if (tensor->src[j]) {
                id_of(tensor->src[j], "other");
            }
        }
        if (tensor->view_src) {
            id_of(tensor->view_src, "other");
        }
    }
    for (size_t i = 0; i < order.size(); ++i) {
        const ggml_tensor * tensor = order[i].first;
        fprintf(out, "{\"id\":%zu,\"kind\":\"%s\",\"name\":", i, order[i].second);
        json_string(out, tensor->name);
        fprintf(out, ",\"op\":\"%s\",\"type\":\"%s\"", ggml_op_name(tensor->op), ggml_type_name(tensor->type));
        fprintf(out, ",\"ne\":[%lld,%lld,%lld,%lld]", (long long) tensor->ne[0], (long long) tensor->ne[1],
                (long long) tensor->ne[2], (long long) tensor->ne[3]);
        fprintf(out, ",\"nb\":[%zu,%zu,%zu,%zu]", tensor->nb[0], tensor->nb[1], tensor->nb[2], tensor->nb[3]);
        fprintf(out, ",\"nbytes\":%zu,\"flags\":%d", ggml_nbytes(tensor), (int) tensor->flags);
        if (tensor->view_src) {
            fprintf(out, ",\"view_src\":%d,\"view_offs\":%zu", ids[tensor->view_src], tensor->view_offs);
        } else {
            fprintf(out, ",\"view_src\":null,\"view_offs\":0");
        }
        fprintf(out, ",\"src\":[");
        bool first = true;
        for (int j = 0; j < GGML_MAX_SRC; ++j) {
            if (tensor->src[j]) {
                fprintf(out, "%s%d", first ? "" : ",", ids[tensor->src[j]]);
                first = false;
            }
        }
        fprintf(out, "],\"external\":%s}\n", (tensor->data != nullptr || tensor->buffer != nullptr) ? "true" : "false");
    }
    fclose(out);
    return 0;
}

}  // extern "C"
