// Broken plugins for test_plugin.cpp: compiled once per defect (see CMakeLists.txt); ABI_V1 is not
// broken: a plugin of the first ABI version, which must still load and run (loss 1).
#include <cstdio>
#include <stdexcept>

#include "quante_plugin.h"

namespace {
int dummy_state = 0;
}

extern "C" {

int quante_plugin_abi_version(void) {
#ifdef QUANTE_TEST_BAD_ABI
  return 999;
#elif defined(QUANTE_TEST_ABI_V1)
  return 1;  // built against the first ABI: quante_evaluate only, no reports
#else
  return QUANTE_PLUGIN_ABI_VERSION;
#endif
}

void* quante_setup(int, const char*, char* err, size_t err_len) {
#ifdef QUANTE_TEST_SETUP_FAILS
  std::snprintf(err, err_len, "no data set at /nowhere");
  return nullptr;
#else
  (void)err;
  (void)err_len;
  return &dummy_state;
#endif
}

int quante_evaluate(void*, const char*, double* loss, char*, size_t) {
#ifdef QUANTE_TEST_THROWS
  throw std::runtime_error("boom from the plugin");  // what a plugin must never do
#endif
  *loss = 1.0;
  return 0;
}

#ifndef QUANTE_TEST_MISSING_SYMBOL
void quante_teardown(void*) {}
#endif

}  // extern "C"
