/*
 * ristra: version of the headers.
 *
 * These macros are the single source of the version: CMake reads them to
 * set the library version and the SONAME (libristra.so.<MAJOR>).
 * Within one MAJOR version the ABI only grows: functions, enum values and
 * option-struct fields are added, never changed or removed.
 */
#ifndef RISTRA_VERSION_H
#define RISTRA_VERSION_H

#define RISTRA_VERSION_MAJOR 1
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
