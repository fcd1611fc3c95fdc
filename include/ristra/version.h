/*
 * ristra: version of the headers.
 *
 * These macros are the single source of the version: CMake reads them to
 * set the library version and the SONAME (libristra.so.<MAJOR>).
 * Within one MAJOR version the ABI only grows: functions, enum values and
 * struct fields (at the end of a struct, with a new struct version: see
 * the top of ristra/common.h) are added, never changed or removed.
 *
 * 2.0.0 (SONAME libristra.so.2) made the incompatible changes of its round
 * once: every versioned struct is read and written only as far as the
 * caller's version holds, nested options are held by pointer, and public
 * structs hold no fixed-size arrays (pointers and counts in options,
 * accessor functions for results). tests/abi/libristra.so.2.abi is its ABI.
 */
#ifndef RISTRA_VERSION_H
#define RISTRA_VERSION_H

#define RISTRA_VERSION_MAJOR 2
#define RISTRA_VERSION_MINOR 0
#define RISTRA_VERSION_PATCH 0

/** MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 10203 for 1.2.3. */
#define RISTRA_VERSION_NUMBER \
    (RISTRA_VERSION_MAJOR * 10000 + RISTRA_VERSION_MINOR * 100 + RISTRA_VERSION_PATCH)

#define RISTRA_VERSION_STRINGIFY_(x) #x
#define RISTRA_VERSION_STRINGIFY(x) RISTRA_VERSION_STRINGIFY_(x)
/** "MAJOR.MINOR.PATCH" */
#define RISTRA_VERSION_STRING                      \
    RISTRA_VERSION_STRINGIFY(RISTRA_VERSION_MAJOR) "." \
    RISTRA_VERSION_STRINGIFY(RISTRA_VERSION_MINOR) "." \
    RISTRA_VERSION_STRINGIFY(RISTRA_VERSION_PATCH)

/** True when the headers are at least version a.b.c. */
#define RISTRA_VERSION_CHECK(a, b, c) \
    (RISTRA_VERSION_NUMBER >= ((a) * 10000 + (b) * 100 + (c)))

#endif /* RISTRA_VERSION_H */
