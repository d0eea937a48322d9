# Warnings for this project's own targets; Boost and OpenSSL come in as system
# headers, so their warnings never fail our build.
function(openai_images_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion
                                           -Wshadow)
  # GCC reports a false mismatched-new-delete when it inlines an Asio
  # awaitable's frame allocation and deallocation (GCC bug 109224): seen with
  # GCC 12 and Boost 1.81, and with GCC 14 and Boost 1.83 (aligned_alloc).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(OPENAI_IMAGES_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
