# Warnings for this project's own targets; Boost and OpenSSL come in as system
# headers, so their warnings never fail our build.
function(openai_images_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion
                                           -Wshadow)
  if(OPENAI_IMAGES_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
