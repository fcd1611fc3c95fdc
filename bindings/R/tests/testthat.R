library(testthat)
library(ristra)
test_check("ristra")
