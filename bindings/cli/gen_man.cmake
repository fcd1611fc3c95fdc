# Writes the man pages ristra(1) and ristra-COMMAND(1) from the text the
# built tool prints for --help (help2roff does the layout): one source.
#   cmake -DCLI=... -DHELP2ROFF=... -DVERSION=... -DCOMMANDS=a,b -DOUT=dir -P gen_man.cmake
string(REPLACE "," ";" COMMANDS "${COMMANDS}")
file(MAKE_DIRECTORY ${OUT})
function(ristra_man page)
  execute_process(COMMAND ${CLI} ${ARGN} --help OUTPUT_FILE ${OUT}/${page}.txt RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "`ristra ${ARGN} --help` failed (${rc})")
  endif()
  execute_process(COMMAND ${HELP2ROFF} ${page} ${VERSION} ${OUT}/ristra.txt
                  INPUT_FILE ${OUT}/${page}.txt OUTPUT_FILE ${OUT}/${page}.1 RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2roff failed for ${page}")
  endif()
endfunction()
ristra_man(ristra)
foreach(cmd IN LISTS COMMANDS)
  ristra_man(ristra-${cmd} ${cmd})
endforeach()
