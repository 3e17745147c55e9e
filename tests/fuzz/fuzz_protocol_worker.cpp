// libFuzzer target: protocol_worker (the harness and its properties are in fuzz_harness.cpp).
#include "fuzz_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  quante::fuzz::fuzz_protocol(quante::protocol::Link::Worker, data, size);
  return 0;
}
