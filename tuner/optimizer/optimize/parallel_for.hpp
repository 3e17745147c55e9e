// Runs body(0) .. body(count - 1) on up to `threads` threads (the caller's among them), each
// index exactly once, and returns when all are done. An exception thrown by a body stops the
// hand-out of further indices and is rethrown here, on the caller's thread, as a serial loop
// would. The bodies must write only to their own index's slots: then the outcome does not
// depend on the thread count, which keeps the optimizer deterministic given its seed.
#pragma once

#include <cstddef>
#include <functional>

namespace quante::opt {

void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& body);

}  // namespace quante::opt
