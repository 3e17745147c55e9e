// The fuzz harnesses, one function per decoder or parser of untrusted input, shared by the
// libFuzzer targets (fuzz_*.cpp, built with clang++ by build_and_run.sh) and by the Catch2
// regression test (test_fuzz_regressions.cpp, built with g++ by CMake), so that every input that
// once crashed a harness is replayed by the ordinary test suite forever.
//
// A harness fails in two ways: a sanitizer report or a crash (under libFuzzer), or a broken
// property, thrown as PropertyViolation (an uncaught exception: libFuzzer reports it as a crash).
// Properties checked beyond "does not crash":
//   protocol   a decoded message re-encodes and decodes again to the same bytes;
//   study      every point the parsed space decodes from a unit vector is valid in that space,
//              and encodes back to coordinates that decode to the same point;
//   exec       the error text of any answer is valid UTF-8 (it is written to the JSON history);
//   history    only std::runtime_error escapes the reader, as documented;
//   configs    parsing never throws (errors are values).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol.hpp"

namespace quante::fuzz {

struct PropertyViolation : std::logic_error {
  using std::logic_error::logic_error;
};

// Protocol input layout (what make_corpus writes): byte 0 picks a frame layout, byte 1 is the
// command byte, the rest is the body. Layouts: 0-3 the well-formed [signature][command][body];
// 4 a wrong protocol version; 5 the other link's signature; 6 the rest cut into (byte 1 % 6)
// frames; 7 a two-byte command frame.
std::vector<zmq::message_t> protocol_frames(protocol::Link link, const std::uint8_t* data, std::size_t size);
// The input bytes for a message in layout 0 (for the seed corpus).
std::string protocol_input(protocol::Link link, const protocol::Message& message);

void fuzz_protocol(protocol::Link link, const std::uint8_t* data, std::size_t size);
void fuzz_study(const std::uint8_t* data, std::size_t size);
void fuzz_exec_answer(const std::uint8_t* data, std::size_t size);
void fuzz_history(const std::uint8_t* data, std::size_t size);
void fuzz_broker_config(const std::uint8_t* data, std::size_t size);
void fuzz_worker_config(const std::uint8_t* data, std::size_t size);
void fuzz_tuner_config(const std::uint8_t* data, std::size_t size);

// True when `text` is valid UTF-8 (what nlohmann's dump accepts).
bool valid_utf8(std::string_view text);

}  // namespace quante::fuzz
