/* quante_plugin.h: the C ABI of a quante-carlo objective plugin (spec "plugin:/path/lib.so").
 *
 * A plugin is a shared library that the worker dlopen()s once (RTLD_NOW | RTLD_LOCAL) and keeps
 * loaded across jobs, so it can hold a model, a data set or a CUDA context. The worker calls
 *   quante_plugin_abi_version()  once, first; it must return QUANTE_PLUGIN_ABI_VERSION
 *   quante_setup()               once, with the worker's GPU and the spec's config string
 *   quante_evaluate()            once per job, never two at a time
 *   quante_teardown()            once, when the worker stops
 * and quante_cancel(), if the plugin exports it, from any thread at any time.
 * setup, evaluate and teardown all run on one thread that the worker keeps for the plugin, so
 * thread-local state (a current CUDA context) persists between them.
 *
 * Rules:
 *  - Functions must not throw or longjmp across this boundary: catch everything inside and
 *    return an error (see examples/plugin/example_plugin.cpp). The worker catches a C++
 *    exception that escapes anyway (it works with GCC and Clang on Linux) and fails the job as
 *    crashed, but that is undefined behaviour to rely on; a crash (SIGSEGV, abort) of a plugin
 *    kills the worker: use an exec objective for code you do not trust.
 *  - err points to err_len bytes (err_len >= 1); on failure write a NUL-terminated message there
 *    (truncate it to fit). The worker NUL-terminates the buffer's last byte whatever you write.
 *  - params_json is one JSON object, the same as the "params" of an exec job line:
 *    {"act":"relu","layers":3,"lr":0.001}: integers as JSON integers, reals as JSON reals
 *    (always with '.' or an exponent), categoricals as strings. It is valid until evaluate returns.
 *  - gpu is the physical GPU index the worker owns, -1 for none. The worker does not set
 *    CUDA_VISIBLE_DEVICES for a plugin (it shares the worker's process): select the device.
 *  - A job has a timeout. The worker cannot stop a running evaluate: at the timeout it calls
 *    quante_cancel (if exported), fails the job and leaves the call running; the next job waits
 *    for it. A plugin that can take long should export quante_cancel and check a flag.
 */
#ifndef QUANTE_PLUGIN_H
#define QUANTE_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUANTE_PLUGIN_ABI_VERSION 1

/* The declarations below carry default visibility, so a plugin built with -fvisibility=hidden
 * still exports its entry points once it includes this header. */
#if defined(__GNUC__)
#define QUANTE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define QUANTE_PLUGIN_EXPORT
#endif

/* Must return QUANTE_PLUGIN_ABI_VERSION as the plugin was compiled against it. */
QUANTE_PLUGIN_EXPORT int quante_plugin_abi_version(void);

/* Makes the plugin's state. config is the text after '?' in the spec, or the worker's configured
 * plugin config, or "" (never NULL). Returns a non-NULL state (any pointer; a plugin without state
 * may return a pointer to a static), or NULL with a message in err. */
QUANTE_PLUGIN_EXPORT void* quante_setup(int gpu, const char* config, char* err, size_t err_len);

/* Evaluates one job. Returns 0 with *loss set (a finite number: NaN or inf fails the job), or
 * nonzero with a message in err (the job fails as the objective's own error, not retried). */
QUANTE_PLUGIN_EXPORT int quante_evaluate(void* state, const char* params_json, double* loss,
                                         char* err, size_t err_len);

/* Frees the state. Called once, after the last evaluate. */
QUANTE_PLUGIN_EXPORT void quante_teardown(void* state);

/* Optional. Asks an evaluate in progress to return soon (with an error). Must be thread-safe and
 * must return at once; it may be called when no evaluate runs, which should be harmless. */
QUANTE_PLUGIN_EXPORT void quante_cancel(void* state);

/* The function pointer types, for the worker's dlsym. */
typedef int (*quante_plugin_abi_version_fn)(void);
typedef void* (*quante_setup_fn)(int gpu, const char* config, char* err, size_t err_len);
typedef int (*quante_evaluate_fn)(void* state, const char* params_json, double* loss, char* err,
                                  size_t err_len);
typedef void (*quante_teardown_fn)(void* state);
typedef void (*quante_cancel_fn)(void* state);

#ifdef __cplusplus
}
#endif

#endif /* QUANTE_PLUGIN_H */
