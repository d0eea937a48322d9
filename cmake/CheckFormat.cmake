# Fails when any C++ file of the project differs from what clang-format makes of it.
file(GLOB_RECURSE files
     ${ROOT}/include/*.hpp ${ROOT}/src/*.cpp ${ROOT}/src/*.hpp ${ROOT}/test/*.cpp ${ROOT}/test/*.hpp
     ${ROOT}/examples/*.cpp ${ROOT}/examples/*.hpp ${ROOT}/bench/*.cpp ${ROOT}/bench/*.hpp)
list(FILTER files EXCLUDE REGEX "/(build|node_modules|\\.node)/")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror --style=file ${files}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format differences (run scripts/format):\n${err}")
endif()
list(LENGTH files n)
message(STATUS "${n} files follow .clang-format")
