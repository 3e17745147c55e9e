/* quante_plugin.h: the C ABI of a quante-carlo objective plugin (spec "plugin:/path/lib.so").
 *
 * A plugin is a shared library that the worker dlopen()s once (RTLD_NOW | RTLD_LOCAL) and keeps
 * loaded across jobs, so it can hold a model, a data set or a CUDA context. The worker calls
 *   quante_plugin_abi_version()  once, first; it must return QUANTE_PLUGIN_ABI_VERSION
 *   quante_setup()               once, with the worker's GPU and the spec's config string
 *   quante_evaluate_v2()         once per job, never two at a time, when the plugin exports it
 *                                (ABI 2); else quante_evaluate()
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
 *  - Learning curves (ABI 2): quante_evaluate_v2 gets a report function. Call
 *    report(report_ctx, step, loss) after each step (an epoch): it returns 1 to go on, 0 to stop;
 *    on 0 return from quante_evaluate_v2 at once with 0 and *loss set to the last reported loss
 *    (the job is then "stopped" at that step, not failed). max_steps is the study's step budget,
 *    0 when it has none (use your own default). report blocks while the worker's scheduler
 *    decides (briefly); it must be called from the thread that runs quante_evaluate_v2 and only
 *    during that call; after the job's timeout or a cancel it returns 0 at once.
 *  - Versions: the worker loads plugins of ABI 1 (quante_evaluate only) and 2. A plugin of ABI 2
 *    exports quante_evaluate_v2, quante_evaluate, or both (the worker calls quante_evaluate_v2).
 *  - A job has a timeout. The worker cannot stop a running evaluate: at the timeout it calls
 *    quante_cancel (if exported), fails the job and leaves the call running; the next job waits
 *    for it. A plugin that can take long should export quante_cancel and check a flag.
 */
#ifndef QUANTE_PLUGIN_H
#define QUANTE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUANTE_PLUGIN_ABI_VERSION 2
#define QUANTE_PLUGIN_ABI_VERSION_MIN 1 /* the oldest version this worker still loads */

/* The declarations below carry default visibility, so a plugin built with -fvisibility=hidden
 * still exports its entry points once it includes this header. */
#if defined(__GNUC__)
#define QUANTE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define QUANTE_PLUGIN_EXPORT
#endif

/* Must return QUANTE_PLUGIN_ABI_VERSION as the plugin was compiled against it (a plugin built
 * against ABI 1 returns 1 and keeps working). */
QUANTE_PLUGIN_EXPORT int quante_plugin_abi_version(void);

/* Makes the plugin's state. config is the text after '?' in the spec, or the worker's configured
 * plugin config, or "" (never NULL). Returns a non-NULL state (any pointer; a plugin without state
 * may return a pointer to a static), or NULL with a message in err. */
QUANTE_PLUGIN_EXPORT void* quante_setup(int gpu, const char* config, char* err, size_t err_len);

/* Evaluates one job (ABI 1; optional in ABI 2 when quante_evaluate_v2 is exported). Returns 0 with *loss set (a finite number: NaN or inf fails the job), or
 * nonzero with a message in err (the job fails as the objective's own error, not retried). */
QUANTE_PLUGIN_EXPORT int quante_evaluate(void* state, const char* params_json, double* loss,
                                         char* err, size_t err_len);

/* The report function handed to quante_evaluate_v2: 1 to go on, 0 to stop now. */
typedef int (*quante_report_fn)(void* report_ctx, int64_t step, double loss);

/* ABI 2, optional. Evaluates one job like quante_evaluate, reporting its learning curve through
 * report(report_ctx, step, loss) (see the rules above). job_id is the job's id (for logs); it and
 * params_json are valid until the call returns. */
QUANTE_PLUGIN_EXPORT int quante_evaluate_v2(void* state, const char* job_id, const char* params_json,
                                            quante_report_fn report, void* report_ctx, int64_t max_steps,
                                            double* loss, char* err, size_t err_len);

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
typedef int (*quante_evaluate_v2_fn)(void* state, const char* job_id, const char* params_json,
                                     quante_report_fn report, void* report_ctx, int64_t max_steps,
                                     double* loss, char* err, size_t err_len);
typedef void (*quante_teardown_fn)(void* state);
typedef void (*quante_cancel_fn)(void* state);

#ifdef __cplusplus
}
#endif

#endif /* QUANTE_PLUGIN_H */
