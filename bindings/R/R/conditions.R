# Errors are classed conditions, so that tryCatch() can tell them apart:
#   tryCatch(ristra_load(path), ristra_error_file = function(e) ...)
# Each is c("ristra_error_<kind>", "ristra_error", "error", "condition"),
# <kind> naming the library's error code (include/ristra/common.h):
# internal, invalid, memory, file, format, version, unsupported,
# not_found, numeric, cancelled. conditionMessage() is the library's
# message (what failed and where). e$code is the library's code.

ristra_error_kinds <- c("internal", "invalid", "memory", "file", "format", "version",
                        "unsupported", "not_found", "numeric", "cancelled")

# Signals the condition for a library code (negative) and message. Called
# from C (rr_fail) with the code and ristra_last_error().
ristra_abort <- function(code, message) {
  code <- as.integer(code)
  kind <- if (code <= -1L && -code <= length(ristra_error_kinds)) {
    ristra_error_kinds[[-code]]
  } else {
    "internal"
  }
  cond <- structure(class = c(paste0("ristra_error_", kind), "ristra_error", "error",
                              "condition"),
                    list(message = message, call = NULL, code = code))
  stop(cond)
}

# An invalid argument found by this binding before calling the library.
stop_invalid <- function(..., call. = FALSE) {
  ristra_abort(-2L, paste0(...))
}
