# Installs the build tree into PREFIX after removing what an earlier run left there;
# only the install components COMPONENT when it is given, separated by commas
# (e.g. runtime,dev: the library without the command-line tool or the testing kit;
# the components are listed in cmake/OpenaiImagesInstall.cmake).
file(REMOVE_RECURSE ${PREFIX})
set(installs "--all")
if(COMPONENT)
  string(REPLACE "," ";" installs "${COMPONENT}")
endif()
foreach(component IN LISTS installs)
  set(component_args)
  if(NOT component STREQUAL "--all")
    set(component_args --component ${component})
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} ${component_args}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install ${BUILD_DIR} ${component_args} failed: ${rc}")
  endif()
endforeach()
