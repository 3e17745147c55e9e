// A plugin objective that kills the worker process it runs in whenever the job's params hold
// "k": 0 (a "poison" job); any other point gets x^2 + k. For the fault tests only.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "quante_plugin.h"

namespace {
int g_state = 0;

// Reads an integer field `"key": value` from the flat params JSON (enough for this test).
long read_int(const char* json, const char* key, long fallback) {
  const std::string needle = std::string("\"") + key + "\":";
  const char* at = std::strstr(json, needle.c_str());
  return at ? std::strtol(at + needle.size(), nullptr, 10) : fallback;
}
double read_double(const char* json, const char* key) {
  const std::string needle = std::string("\"") + key + "\":";
  const char* at = std::strstr(json, needle.c_str());
  return at ? std::strtod(at + needle.size(), nullptr) : 0.0;
}
}  // namespace

extern "C" {
QUANTE_PLUGIN_EXPORT int quante_plugin_abi_version(void) { return QUANTE_PLUGIN_ABI_VERSION; }
QUANTE_PLUGIN_EXPORT void* quante_setup(int, const char*, char*, size_t) { return &g_state; }
QUANTE_PLUGIN_EXPORT int quante_evaluate(void*, const char* params_json, double* loss, char*, size_t) {
  if (read_int(params_json, "k", -1) == 0) std::abort();  // takes the whole worker down
  const double x = read_double(params_json, "x");
  *loss = x * x + static_cast<double>(read_int(params_json, "k", 0));
  return 0;
}
QUANTE_PLUGIN_EXPORT void quante_teardown(void*) {}
}
