/*
 * ristra: export macro, error codes, last-error message and run-time version.
 *
 * Everything in include/ristra/ is the public API of libristra; nothing
 * else is. Conventions used by every header:
 *   - functions return int: 0 (RISTRA_OK) on success, a negative
 *     ristra_error on failure, and set a thread-local message that
 *     ristra_last_error() returns;
 *   - output parameters come first and are named out (or *_out); what is
 *     returned through **out belongs to the caller, who frees it with the
 *     matching *_free function, and every *_free accepts NULL;
 *   - counts, dimensions and strides are int64_t, byte sizes are size_t;
 *   - options are versioned structs initialised with their _INIT macro
 *     (or *_options_init()); a NULL options pointer means the defaults;
 *   - a dense block of patients is read as x[r * row_stride + j * col_stride]
 *     (elements), so row-major and column-major data go in without a copy.
 *
 * Versioned structs (how they grow; read this before adding a field)
 * ------------------------------------------------------------------
 * Every public struct that a caller allocates (options passed in, figures
 * passed out) starts with `int version`. The library reads and writes only
 * the bytes the caller's version holds: a program built against older
 * headers has a smaller struct, and nothing past its end is ever touched
 * (libgit2's GIT_INIT_STRUCTURE). lib/common/struct_version.c does the one
 * version check and the one copy for all of them:
 *   - *_options_init(opts, version) writes the first size(version) bytes
 *     of the defaults and the version, nothing more;
 *   - a function taking options copies the caller's bytes over a whole
 *     struct of defaults (ristra__struct_load) and reads only that copy;
 *   - a function filling a caller's struct (ristra_model_feature(),
 *     ristra_score_result_totals(), ...) writes size(out->version) bytes.
 * The size of each version is in one table, RISTRA__VERSIONED_STRUCTS in
 * lib/common/struct_version_internal.h; the newest is always sizeof.
 *
 * To add a field to a public struct:
 *   1. append it at the END of the struct (never between fields), with a
 *      doc comment that says its default and "@since" the release;
 *   2. append its default at the end of the struct's _INIT macro (the
 *      *_options_init function uses the macro, so both agree);
 *   3. until 2.0.0 is released (this round), that is all: 2.0.0 is
 *      version 1 of every struct, and sizeof covers the new field. After
 *      2.0.0: increment the *_VERSION macro, and in
 *      RISTRA__VERSIONED_STRUCTS replace the struct's last size,
 *      sizeof(type), by RISTRA__SIZE_THROUGH(type, <last old field>) and
 *      append sizeof(type) for the new version;
 *   4. in the library, read the field from the loaded copy (it holds the
 *      default when the caller's version lacks it); in the Python binding
 *      append it to the ctypes mirror in bindings/python/ristra/_lib.py
 *      (tests/test_struct_layout.py checks every offset).
 * Never embed one public struct in another by value (hold it by pointer,
 * as ristra_score_file_options.population), and never put a fixed-size
 * array in a public struct (a pointer and a count in options; an accessor
 * function for results, as ristra_score_result_tier_count()): either
 * would move fields when something grows. A new public struct with a
 * version field gets a line in RISTRA__VERSIONED_STRUCTS and a ctypes
 * mirror. The ABI gate (tests/abi) fails on any other kind of change.
 */
#ifndef RISTRA_COMMON_H
#define RISTRA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "ristra/version.h"

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(RISTRA_BUILDING_LIBRARY) && defined(RISTRA_STATIC)
#    error "RISTRA_BUILDING_LIBRARY and RISTRA_STATIC are exclusive"
#  endif
#  if defined(RISTRA_STATIC)
#    define RISTRA_API
#  elif defined(RISTRA_BUILDING_LIBRARY)
#    define RISTRA_API __declspec(dllexport)
#  else
#    define RISTRA_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define RISTRA_API __attribute__((visibility("default")))
#else
#  define RISTRA_API
#endif

#ifdef __cplusplus
#  define RISTRA_BEGIN_DECL extern "C" {
#  define RISTRA_END_DECL }
#else
#  define RISTRA_BEGIN_DECL
#  define RISTRA_END_DECL
#endif

RISTRA_BEGIN_DECL

/**
 * The most threads any n_threads option accepts (0 to RISTRA_MAX_THREADS,
 * 0 meaning one per CPU available to the process). A larger value is
 * RISTRA_EINVAL, whichever function it is given to. @since 2.0.0
 */
#define RISTRA_MAX_THREADS 1024

/**
 * Error codes. Values are pinned: a value is never reused or renumbered,
 * new codes are only ever appended with the next free negative number.
 */
typedef enum ristra_error {
    RISTRA_OK = 0,               /**< success */
    RISTRA_ERROR = -1,           /**< internal error (a bug: please report it) */
    RISTRA_EINVAL = -2,          /**< invalid argument: NULL pointer, bad size, bad options version */
    RISTRA_ENOMEM = -3,          /**< out of memory */
    RISTRA_EIO = -4,             /**< a file could not be opened, read, written or renamed */
    RISTRA_EFORMAT = -5,         /**< malformed input: model file, gzip stream, CSV */
    RISTRA_EVERSION = -6,        /**< input written by a newer format version than this library reads */
    RISTRA_EUNSUPPORTED = -7,    /**< well-formed input that ristra does not support (e.g. multi-class) */
    RISTRA_ENOTFOUND = -8,       /**< a named item (feature, column) does not exist */
    RISTRA_ENUMERIC = -9,        /**< numerical failure: no convergence, separation, singular system */
    RISTRA_ECANCELLED = -10,     /**< stopped by the caller's progress callback */
    /** too many rows rejected, or too few scored (ristra_score_file()'s
     *  max_reject_rate and min_scored); nothing was written. @since 2.0.0 */
    RISTRA_ETHRESHOLD = -11
} ristra_error;

/**
 * A short static description of an error code, e.g. "malformed input".
 * Unknown codes give "unknown error". Never returns NULL.
 * @thread_safety Safe from any thread.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_strerror(int code);

/**
 * The message of the last failed call made by this thread: what failed and
 * where (file name and line/column, JSON path, row or argument name).
 * Valid until the next ristra call on the same thread fails. Returns ""
 * when no call on this thread has failed. Never returns NULL.
 * @thread_safety Safe: each thread has its own message.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_last_error(void);

/**
 * The library's run-time version as RISTRA_VERSION_NUMBER, which may
 * differ from the headers a program was compiled with. Bindings refuse a
 * library whose major version (value / 10000) differs from their own.
 * @thread_safety Safe from any thread.
 * @since 1.0.0
 */
RISTRA_API int ristra_version(void);

/**
 * The library's run-time version as "MAJOR.MINOR.PATCH". Never NULL.
 * @thread_safety Safe from any thread.
 * @since 1.0.0
 */
RISTRA_API const char *ristra_version_string(void);

/**
 * Frees a buffer that ristra allocated and returned to the caller (for
 * example the text from ristra_model_save_buffer()). NULL is a no-op.
 * @thread_safety Safe from any thread.
 * @since 1.0.0
 */
RISTRA_API void ristra_free(void *ptr);

/** Element type of a caller's dense block. */
typedef enum ristra_dtype {
    RISTRA_FLOAT32 = 1,          /**< float */
    RISTRA_FLOAT64 = 2           /**< double */
} ristra_dtype;

RISTRA_END_DECL

#endif /* RISTRA_COMMON_H */
