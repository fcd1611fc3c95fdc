/* The logistic model's linear part. */
#ifndef RISTRA_LOGISTIC_INTERNAL_H
#define RISTRA_LOGISTIC_INTERNAL_H

#include <stdint.h>

#include "model_internal.h"

/* Rows per block for ristra__logistic_margin(): small enough that
 * OpenBLAS runs each gemv on the calling thread (it only spreads a gemv
 * over its own threads above 9216 matrix elements), so ristra's threads
 * and OpenBLAS's never stack. */
int64_t ristra__logistic_block_rows(int64_t n_features); /* a multiple of the below */

/* OpenBLAS's gemv kernels sum a row in one order when it falls in a group
 * of four rows and in another for the leftover rows, so a patient's score
 * would depend on its position in the block. Every gemv call is therefore
 * made on a multiple of this many rows (the caller pads with zero rows),
 * which makes each row's result independent of block, batch and thread. */
#define RISTRA__LOGISTIC_ROW_MULTIPLE 8

/* margin[r] = intercept + x[r, :] . coef for a contiguous block of n rows;
 * x and margin must have room for n rounded up to
 * RISTRA__LOGISTIC_ROW_MULTIPLE rows, and the rows past n are zeroed here. */
void ristra__logistic_margin(double *margin, const ristra_model *m, double *x, int64_t n);

#endif
