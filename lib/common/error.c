/* Error codes and the thread-local last-error message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ristra/common.h"
#include "error_internal.h"

enum { MESSAGE_CAPACITY = 1024 };

/* One message per thread, so that concurrent callers never see each
 * other's errors; nothing here is ever allocated or freed. */
static _Thread_local char last_message[MESSAGE_CAPACITY];

int ristra__error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return code;
}

int ristra__error_prefix(int code, const char *fmt, ...)
{
    char prefix[MESSAGE_CAPACITY];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the message right and put the prefix in front; truncate at the end. */
    size_t plen = strlen(prefix), mlen = strlen(last_message);
    if (plen > MESSAGE_CAPACITY - 1)
        plen = MESSAGE_CAPACITY - 1;
    if (plen + mlen > MESSAGE_CAPACITY - 1)
        mlen = MESSAGE_CAPACITY - 1 - plen;
    memmove(last_message + plen, last_message, mlen);
    memcpy(last_message, prefix, plen);
    last_message[plen + mlen] = '\0';
    return code;
}

int ristra__oom(void)
{
    return ristra__error(RISTRA_ENOMEM, "out of memory");
}

const char *ristra_last_error(void)
{
    return last_message;
}

const char *ristra_strerror(int code)
{
    switch (code) {
    case RISTRA_OK: return "success";
    case RISTRA_ERROR: return "internal error";
    case RISTRA_EINVAL: return "invalid argument";
    case RISTRA_ENOMEM: return "out of memory";
    case RISTRA_EIO: return "input/output error";
    case RISTRA_EFORMAT: return "malformed input";
    case RISTRA_EVERSION: return "format version newer than this library";
    case RISTRA_EUNSUPPORTED: return "unsupported";
    case RISTRA_ENOTFOUND: return "not found";
    case RISTRA_ENUMERIC: return "numerical failure";
    case RISTRA_ECANCELLED: return "cancelled";
    case RISTRA_ETHRESHOLD: return "failure threshold exceeded";
    default: return "unknown error";
    }
}
