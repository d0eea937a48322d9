cmake_minimum_required(VERSION 3.25)
# Builds test/consumer/main.cpp the way a project without CMake does, with the
# installed pkg-config file only:
#   c++ -std=c++20 main.cpp $(pkg-config --cflags --libs openai_images)
# PKG_CONFIG_PATH is PREFIX/LIBDIR/pkgconfig alone. Arguments: PKG_CONFIG, CXX,
# CXX_FLAGS and LINKER_FLAGS (the build's own, e.g. its sanitizers), PREFIX,
# LIBDIR, VERSION (the expected --modversion), SOURCE, OUTPUT.
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "pkg-config was not found when the project was configured (scripts/setup installs pkgconf)")
endif()
set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
unset(ENV{PKG_CONFIG_LIBDIR})

execute_process(COMMAND ${PKG_CONFIG} --print-errors --modversion openai_images
                OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config cannot read openai_images from $ENV{PKG_CONFIG_PATH}: ${rc}")
endif()
if(NOT version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion openai_images: '${version}', expected '${VERSION}'")
endif()
execute_process(COMMAND ${PKG_CONFIG} --print-errors --cflags --libs openai_images
                OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs openai_images failed: ${rc}")
endif()
message(STATUS "pkg-config --cflags --libs openai_images: ${flags}")

file(REMOVE ${OUTPUT})
set(command "${CXX} ${CXX_FLAGS} -std=c++20 ${SOURCE} -o ${OUTPUT} $(${PKG_CONFIG} --cflags --libs openai_images) ${LINKER_FLAGS}")
message(STATUS "${command}")
execute_process(COMMAND sh -c "${command}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer does not build with the flags of openai_images.pc: ${rc}")
endif()
