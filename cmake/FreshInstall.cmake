# Installs the build tree into PREFIX after removing what an earlier run left there;
# only the install component COMPONENT when it is given (e.g. Unspecified: the
# library without the testing kit).
file(REMOVE_RECURSE ${PREFIX})
set(component_args)
if(COMPONENT)
  set(component_args --component ${COMPONENT})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} ${component_args}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
