// Force-included into every C++ source of the wasm32-wasi build: zig's wasi
// libc++ is built without threads, so <mutex> and <future> declare nothing.
// A module runs on one thread (ggml-cpu forces one under __wasi__), so a
// mutex that does nothing and an async that runs its task at once are exact.
#pragma once
#if defined(__cplusplus) && defined(__wasi__)
#include <utility>
#include <type_traits>
#include <mutex>
#include <future>

namespace std {
class mutex {
  public:
    void lock() {}
    void unlock() {}
    bool try_lock() { return true; }
};

enum class launch { async = 1, deferred = 2 };

template <class T> class future {
  public:
    future() = default;
    explicit future(T value) : value_(std::move(value)) {}
    T get() { return std::move(value_); }
    bool valid() const { return true; }
    void wait() const {}

  private:
    T value_{};
};

template <class F> future<typename std::invoke_result<F>::type> async(launch, F && task) {
    return future<typename std::invoke_result<F>::type>(task());
}
}  // namespace std
#endif
