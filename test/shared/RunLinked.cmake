cmake_minimum_required(VERSION 3.25)
# Runs a consumer of the shared library after checking, with ldd, that it loads
# libopenai_images.so.<SOVERSION> from PREFIX/LIBDIR (through its RPATH or the
# test's LD_LIBRARY_PATH), not a static copy or another installation.
# Arguments: PROGRAM, PREFIX, LIBDIR, SOVERSION.
set(soname libopenai_images.so.${SOVERSION})
execute_process(COMMAND ldd ${PROGRAM} OUTPUT_VARIABLE ldd_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ldd ${PROGRAM} failed: ${rc}")
endif()
message(STATUS "ldd ${PROGRAM}:\n${ldd_out}")
string(FIND "${ldd_out}" "${soname} => ${PREFIX}/${LIBDIR}/${soname} " at)
if(at EQUAL -1)
  message(FATAL_ERROR "${PROGRAM} does not load ${soname} from ${PREFIX}/${LIBDIR}")
endif()
execute_process(COMMAND ${PROGRAM} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed: ${rc}")
endif()
