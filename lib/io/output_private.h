/* What output.c shares with commit.c and output_path.c only. */
#ifndef RISTRA_OUTPUT_PRIVATE_H
#define RISTRA_OUTPUT_PRIVATE_H

#include "output_internal.h"

/* Six random letters and digits and a NUL. */
void ristra__random_suffix(char out[7]);
/* The temporary's name ("" for standard output or once renamed). */
const char *ristra__output_temporary(const ristra__output *o);
void ristra__output_forget_temporary(ristra__output *o);

#endif
