/* Run-time version queries and the buffer deallocator. */
#include <stdlib.h>

#include "ristra/common.h"

int ristra_version(void)
{
    return RISTRA_VERSION_NUMBER;
}

const char *ristra_version_string(void)
{
    return RISTRA_VERSION_STRING;
}

void ristra_free(void *ptr)
{
    free(ptr);
}
