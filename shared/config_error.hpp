// A refused configuration, as a value: the message names the file (or "command line"), the key
// and its command-line option. Apart from config_reader.hpp so that the config structs, which the
// broker's state machine and the worker include, do not pull in toml++.
#pragma once

#include "expected.hpp"

namespace quante {

// "FILE: key 'KEY' (--OPTION): what is wrong"
using ConfigError = Error;

}  // namespace quante
