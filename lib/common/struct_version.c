/* The version check and the copy behind every versioned public struct
 * (see struct_version_internal.h and the top of include/ristra/common.h). */
#include <string.h>

#include "ristra/ristra.h"
#include "error_internal.h"
#include "struct_version_internal.h"

#define RISTRA__DEFINE_STRUCT_INFO(name, type, latest, ...)                              \
    static const size_t name##_sizes[] = { __VA_ARGS__ };                                \
    _Static_assert(sizeof name##_sizes / sizeof name##_sizes[0] == (latest),             \
                   #type ": one size per version in RISTRA__VERSIONED_STRUCTS");         \
    _Static_assert(offsetof(type, version) == 0, #type ": version must come first");     \
    const ristra__struct_info ristra__info_##name = { #type, name##_sizes, (latest) };
RISTRA__VERSIONED_STRUCTS(RISTRA__DEFINE_STRUCT_INFO)
#undef RISTRA__DEFINE_STRUCT_INFO

size_t ristra__struct_size(const ristra__struct_info *info, int version)
{
    if (version < 1 || version > info->latest)
        return 0;
    return info->sizes[version - 1];
}

static int read_version(const void *s)
{
    int v;
    memcpy(&v, s, sizeof v);
    return v;
}

static int unknown_version(const ristra__struct_info *info, const char *fn, const char *what,
                           int version)
{
    return ristra__error(RISTRA_EINVAL, "%s: %s is %d, not a version of %s (1 to %d)", fn, what,
                         version, info->name, info->latest);
}

int ristra__struct_init(void *opts, int version, const void *defaults,
                        const ristra__struct_info *info, const char *fn)
{
    if (!opts)
        return ristra__error(RISTRA_EINVAL, "%s: opts is NULL", fn);
    size_t size = ristra__struct_size(info, version);
    if (!size)
        return unknown_version(info, fn, "version", version);
    memcpy(opts, defaults, size);
    memcpy(opts, &version, sizeof version);
    return RISTRA_OK;
}

int ristra__struct_load(void *full, const void *caller, const void *defaults,
                        const ristra__struct_info *info, const char *fn)
{
    memcpy(full, defaults, info->sizes[info->latest - 1]);
    if (!caller)
        return RISTRA_OK;
    int version = read_version(caller);
    size_t size = ristra__struct_size(info, version);
    if (!size)
        return unknown_version(info, fn, "opts->version", version);
    memcpy(full, caller, size);
    return RISTRA_OK;
}

int ristra__struct_check_out(const void *out, const ristra__struct_info *info, const char *fn)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "%s: out is NULL", fn);
    int version = read_version(out);
    if (!ristra__struct_size(info, version))
        return unknown_version(info, fn, "out->version", version);
    return RISTRA_OK;
}

int ristra__struct_store(void *out, const void *full, const ristra__struct_info *info,
                         const char *fn)
{
    int rc = ristra__struct_check_out(out, info, fn);
    if (rc)
        return rc;
    int version = read_version(out);
    memcpy(out, full, ristra__struct_size(info, version));
    memcpy(out, &version, sizeof version);
    return RISTRA_OK;
}
