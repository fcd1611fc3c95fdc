/*
 * ristra: risk stratification of registered GP practice populations.
 *
 * The umbrella header: include this one. Everything declared under
 * include/ristra/ is the public, stable C ABI of libristra; nothing else is.
 *
 * Before using the library a program may check that the library it runs
 * against matches the headers it was compiled with:
 *
 *     if (ristra_version() / 10000 != RISTRA_VERSION_MAJOR) ... refuse ...
 */
#ifndef RISTRA_H
#define RISTRA_H

#include "ristra/version.h"
#include "ristra/common.h"
#include "ristra/model.h"
#include "ristra/score.h"
#include "ristra/explain.h"
#include "ristra/identifiers.h"
#include "ristra/synth.h"
#include "ristra/xgboost.h"
#include "ristra/evaluate.h"
#include "ristra/fit.h"
#include "ristra/calibrate.h"
#include "ristra/population.h"
#include "ristra/collect.h"
#include "ristra/batch.h"
#include "ristra/audit.h"
#include "ristra/fhir.h"
#include "ristra/drift.h"
#include "ristra/manifest.h"
#include "ristra/report.h"

#endif /* RISTRA_H */
