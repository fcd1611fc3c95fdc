.onLoad <- function(libname, pkgname) {
  major <- utils::packageVersion(pkgname, lib.loc = libname)[[1, 1]]
  check_library_version(.Call(C_ristra_version)[["library"]], major)
}

# Refuses a libristra whose major version is not this binding's.
check_library_version <- function(number, major) {
  if (number %/% 10000L != major) {
    ristra_abort(-6L, paste0(
      sprintf("the loaded libristra is version %d.%d.%d, but this ristra R package needs ",
              number %/% 10000L, number %/% 100L %% 100L, number %% 100L),
      sprintf("major version %d: reinstall the package against a matching libristra", major)))
  }
  invisible(TRUE)
}
