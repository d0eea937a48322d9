cmake_minimum_required(VERSION 3.25)
# Installs a BUILD_SHARED_LIBS=ON build of the library into PREFIX, one install
# component at a time, and checks what a packager gets: the component `runtime`
# holds the versioned library and its SONAME link only, `dev` the namelink (with
# the headers, the CMake package and the .pc), and the library's SONAME is
# libopenai_images.so.<SOVERSION>. Arguments: BUILD_DIR, PREFIX, LIBDIR, VERSION,
# SOVERSION.
set(real libopenai_images.so.${VERSION})
set(soname libopenai_images.so.${SOVERSION})
set(namelink libopenai_images.so)

function(installed_files component out)
  set(dir ${PREFIX}-${component})
  file(REMOVE_RECURSE ${dir})
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${dir} --component ${component}
                  OUTPUT_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install --component ${component} failed: ${rc}")
  endif()
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE ${dir} ${dir}/*)
  list(SORT files)
  message(STATUS "component ${component}: ${files}")
  set(${out} "${files}" PARENT_SCOPE)
endfunction()

function(expect_link path target)
  if(NOT IS_SYMLINK ${path})
    message(FATAL_ERROR "${path} is not a symbolic link")
  endif()
  file(READ_SYMLINK ${path} got)
  if(NOT got STREQUAL target)
    message(FATAL_ERROR "${path} -> ${got}, expected -> ${target}")
  endif()
endfunction()

installed_files(runtime files)
set(expected ${LIBDIR}/${soname} ${LIBDIR}/${real})
list(SORT expected)
if(NOT files STREQUAL expected)
  message(FATAL_ERROR "component runtime holds '${files}', expected '${expected}'")
endif()
expect_link(${PREFIX}-runtime/${LIBDIR}/${soname} ${real})

installed_files(dev files)
foreach(f IN ITEMS ${LIBDIR}/${namelink} ${LIBDIR}/pkgconfig/openai_images.pc
                   ${LIBDIR}/cmake/openai_images/openai_imagesConfig.cmake
                   ${LIBDIR}/cmake/openai_images/openai_imagesConfigVersion.cmake
                   ${LIBDIR}/cmake/openai_images/openai_images_targets.cmake
                   include/openai/images.hpp)
  if(NOT f IN_LIST files)
    message(FATAL_ERROR "component dev does not hold ${f}")
  endif()
endforeach()
foreach(f IN LISTS files)
  if(f MATCHES "\\.so\\.")
    message(FATAL_ERROR "component dev holds ${f}, which belongs to runtime")
  endif()
endforeach()
expect_link(${PREFIX}-dev/${LIBDIR}/${namelink} ${soname})

# Everything, as the consumers use it.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
execute_process(COMMAND readelf -d ${PREFIX}/${LIBDIR}/${real} OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${PREFIX}/${LIBDIR}/${real} failed: ${rc}")
endif()
if(NOT dynamic MATCHES "\\(SONAME\\)[ \t]+Library soname: \\[([^]]*)\\]")
  message(FATAL_ERROR "${real} has no SONAME:\n${dynamic}")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL soname)
  message(FATAL_ERROR "${real} has SONAME ${CMAKE_MATCH_1}, expected ${soname}")
endif()
message(STATUS "SONAME ${CMAKE_MATCH_1}")
