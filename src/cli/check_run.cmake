# Runs a program and checks its exit status and output.
#   cmake -DEXE=path -DARGS="a|b|c" -DEXPECT_RC=2 -DMATCH="regex1|regex2" -DNO_MATCH="regex"
#         -P check_run.cmake
# ARGS and MATCH are separated by '|'. Every MATCH regex must be found in stdout
# and stderr together; NO_MATCH must not be.
if(NOT DEFINED EXE OR NOT DEFINED EXPECT_RC)
  message(FATAL_ERROR "check_run.cmake needs -DEXE and -DEXPECT_RC")
endif()
set(args "")
if(DEFINED ARGS AND NOT ARGS STREQUAL "")
  string(REPLACE "|" ";" args "${ARGS}")
endif()
execute_process(COMMAND ${EXE} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 60)
set(all "${out}${err}")
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "exit status ${rc}, expected ${EXPECT_RC}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED MATCH AND NOT MATCH STREQUAL "")
  string(REPLACE "|" ";" patterns "${MATCH}")
  foreach(p IN LISTS patterns)
    if(NOT all MATCHES "${p}")
      message(FATAL_ERROR "output lacks '${p}'\nstdout:\n${out}\nstderr:\n${err}")
    endif()
  endforeach()
endif()
if(DEFINED NO_MATCH AND NOT NO_MATCH STREQUAL "" AND all MATCHES "${NO_MATCH}")
  message(FATAL_ERROR "output has '${NO_MATCH}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
message(STATUS "exit status ${rc} as expected; output as expected")
