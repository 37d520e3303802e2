// What the wasm32-wasi build links in place of the parts zig's wasi libc++
// lacks: a backend registry holding the CPU backend alone (ggml-backend-reg.cpp
// searches the file system for dynamic backends with std::filesystem), and a
// C++ exception runtime whose throw writes the message and aborts, as
// llama_cpp_canister's own build does (no throw happens loading or running a
// model that llama.cpp accepts).
#include "ggml-backend-impl.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>
#include <vector>

namespace {

struct registry {
    std::vector<ggml_backend_reg_t> backends;
    std::vector<ggml_backend_dev_t> devices;

    registry() { add(ggml_backend_cpu_reg()); }

    void add(ggml_backend_reg_t reg) {
        for (auto known : backends) {
            if (known == reg) {
                return;
            }
        }
        backends.push_back(reg);
        for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); i++) {
            add_device(ggml_backend_reg_dev_get(reg, i));
        }
    }

    void add_device(ggml_backend_dev_t device) {
        for (auto known : devices) {
            if (known == device) {
                return;
            }
        }
        devices.push_back(device);
    }
};

registry & get_registry() {
    static registry reg;
    return reg;
}

bool same_name(const char * a, const char * b) {
    for (; *a && *b; a++, b++) {
        if (std::tolower(*a) != std::tolower(*b)) {
            return false;
        }
    }
    return *a == *b;
}

}  // namespace

void ggml_backend_register(ggml_backend_reg_t reg) { get_registry().add(reg); }

void ggml_backend_device_register(ggml_backend_dev_t device) { get_registry().add_device(device); }

size_t ggml_backend_reg_count() { return get_registry().backends.size(); }

ggml_backend_reg_t ggml_backend_reg_get(size_t index) { return get_registry().backends.at(index); }

ggml_backend_reg_t ggml_backend_reg_by_name(const char * name) {
    for (auto reg : get_registry().backends) {
        if (same_name(ggml_backend_reg_name(reg), name)) {
            return reg;
        }
    }
    return nullptr;
}

size_t ggml_backend_dev_count() { return get_registry().devices.size(); }

ggml_backend_dev_t ggml_backend_dev_get(size_t index) { return get_registry().devices.at(index); }

ggml_backend_dev_t ggml_backend_dev_by_name(const char * name) {
    for (auto dev : get_registry().devices) {
        if (same_name(ggml_backend_dev_name(dev), name)) {
            return dev;
        }
    }
    return nullptr;
}

ggml_backend_dev_t ggml_backend_dev_by_type(enum ggml_backend_dev_type type) {
    for (auto dev : get_registry().devices) {
        if (ggml_backend_dev_type(dev) == type) {
            return dev;
        }
    }
    return nullptr;
}

ggml_backend_t ggml_backend_init_by_name(const char * name, const char * params) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_name(name);
    return dev ? ggml_backend_dev_init(dev, params) : nullptr;
}

ggml_backend_t ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char * params) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(type);
    return dev ? ggml_backend_dev_init(dev, params) : nullptr;
}

ggml_backend_t ggml_backend_init_best(void) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    return dev ? ggml_backend_dev_init(dev, nullptr) : nullptr;
}

ggml_backend_reg_t ggml_backend_load(const char *) { return nullptr; }

void ggml_backend_unload(ggml_backend_reg_t) {}

void ggml_backend_load_all() {}

void ggml_backend_load_all_from_path(const char *) {}

// zig's wasi libc++abi has no exception runtime. A throw writes the thrown
// type's name and aborts, as llama_cpp_canister's build does: the module
// stops where a canister would trap.
extern "C" void * __cxa_allocate_exception(size_t size) noexcept { return std::malloc(size); }

extern "C" [[noreturn]] void __cxa_throw(void * thrown, std::type_info * type, void (*)(void *)) {
    const char * name = type ? type->name() : "?";
    // llama.cpp throws the standard library's exceptions, each derived from
    // std::exception alone (mangled names in namespace std begin "St").
    const char * what = name[0] == 'S' && name[1] == 't' ? static_cast<std::exception *>(thrown)->what() : "";
    std::fprintf(stderr, "uncaught C++ exception of type %s: %s\n", name, what);
    std::abort();
}


extern "C" size_t icpp_chunked_fread(void * buffer, size_t size, size_t count, FILE * file) {
    constexpr size_t chunk = 1024 * 1024;
    const size_t length = size * count;
    size_t done = 0;
    while (done < length) {
        const size_t want = length - done < chunk ? length - done : chunk;
        const size_t got = std::fread(static_cast<char *>(buffer) + done, 1, want, file);
        done += got;
        if (got < want) {
            break;
        }
    }
    return size == 0 ? 0 : done / size;
}
