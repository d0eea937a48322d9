# Extracts the ```cpp code blocks of a Markdown file into compilable C++ files.
# Included by test/readme/CMakeLists.txt at configure time.
#
# THE CONVENTION (for whoever writes README.md)
#
# Every block fenced by a line "```cpp" and a line "```" is compiled, numbered
# from 1 in the order of the file: block N becomes readme_block_N.cpp.
#
# - A block containing `int main(` is a complete program: compiled and linked
#   as it is, so it needs its own #includes and namespace aliases. It is also
#   run (test readme.program_N), without arguments, in an empty directory,
#   against the fake server over plain HTTP (OPENAI_BASE_URL and
#   OPENAI_API_KEY set, so client_options::from_env() finds it): it must exit
#   with 0 within 60 s. It is run four more times where it cannot succeed (a
#   key the server refuses, a closed port, an untrusted certificate, a working
#   directory where nothing can be written: see CMakeLists.txt), and there it
#   must exit with a status from 1 to 125 and say why on stderr. So a program
#   handles every error it can meet: no `detached` coroutine whose exception
#   is dropped, no ignored error_code.
# - Any other block is a fragment: the body of a coroutine
#
#       #include <openai/images.hpp>
#       #include <boost/asio.hpp>
#       #include <iostream>
#       #include <filesystem>
#       namespace oi = openai::images;
#       namespace asio = boost::asio;
#
#       boost::asio::awaitable<void> readme_fragment_N(openai::images::client& client,
#                                                      openai::images::CreateImageRequest req) {
#           <the block>
#           co_return;
#       }
#
#   so a fragment may use `client`, `req`, `co_await`, `oi::` and `asio::`.
#   Lines at the start of a fragment that begin with `#include` (blank lines
#   between them allowed) are moved above the wrapper, so a fragment can
#   show the header it needs. Other declarations (functions, structs) cannot
#   go in a fragment: write a complete program instead.
# - Every file has #line directives, so a compiler error names README.md and
#   the line of the README.
# - To show code that is not meant to compile, fence it with another language
#   tag (```text, or ```c++ for pseudo-code).
#
# The fragments are linked into one executable (with an empty main), each
# program into its own, with the project's warnings (errors, with
# OPENAI_IMAGES_WERROR; only GCC's -Wsubobject-linkage is off, a false
# positive of the #line directives): every symbol a block uses must exist.
#
# openai_images_extract_readme_blocks(<markdown> <out-dir> <programs-var> <fragments-var>)
# writes <out-dir>/readme_block_N.cpp (only when its text changed, so an
# unchanged block is not rebuilt), removes stale ones, and sets the two
# variables to the lists of program and fragment files.
function(openai_images_extract_readme_blocks markdown out_dir programs_var fragments_var)
  file(READ ${markdown} text)
  file(MAKE_DIRECTORY ${out_dir})
  set(text "\n${text}")  # every fence is now preceded by "\n"
  set(open_fence "\n```cpp\n")
  set(programs "")
  set(fragments "")
  set(wanted "")
  set(n 0)
  set(line -1)  # the line of the file before `text` (-1: `text` starts with the added "\n")
  while(TRUE)
    string(FIND "${text}" "${open_fence}" start)
    if(start EQUAL -1)
      break()
    endif()
    # The block's first line: count the lines before it.
    math(EXPR body_start "${start} + 8")  # length of "\n```cpp\n"
    string(SUBSTRING "${text}" 0 ${body_start} before)
    string(REGEX MATCHALL "\n" newlines "${before}")
    list(LENGTH newlines count)
    math(EXPR first_line "${line} + ${count} + 1")  # the block's first line, from 1
    string(SUBSTRING "${text}" ${body_start} -1 rest)
    string(FIND "${rest}" "\n```" stop)
    if(stop EQUAL -1)
      message(FATAL_ERROR "${markdown}:${first_line}: a ```cpp block is never closed")
    endif()
    math(EXPR stop "${stop} + 1")  # keep the block's last newline
    string(SUBSTRING "${rest}" 0 ${stop} block)
    string(SUBSTRING "${rest}" ${stop} -1 text)
    string(REGEX MATCHALL "\n" newlines "${block}")
    list(LENGTH newlines count)
    math(EXPR line "${first_line} - 1 + ${count}")  # the block's last line

    math(EXPR n "${n} + 1")
    set(file ${out_dir}/readme_block_${n}.cpp)
    list(APPEND wanted ${file})
    string(FIND "${block}" "int main(" has_main)
    if(NOT has_main EQUAL -1)
      set(source "// README.md block ${n}: a complete program.\n#line ${first_line} \"${markdown}\"\n${block}")
      list(APPEND programs ${file})
    else()
      # Hoist the leading #include lines (and blank lines among them).
      set(includes "")
      set(body "${block}")
      set(body_line ${first_line})
      while(TRUE)
        string(FIND "${body}" "\n" eol)
        if(eol EQUAL -1)
          break()
        endif()
        string(SUBSTRING "${body}" 0 ${eol} first)
        if(NOT first MATCHES "^[ \t]*(#[ \t]*include.*)?$")
          break()
        endif()
        string(APPEND includes "${first}\n")
        math(EXPR eol "${eol} + 1")
        string(SUBSTRING "${body}" ${eol} -1 body)
        math(EXPR body_line "${body_line} + 1")
      endwhile()
      string(CONCAT source
        "// README.md block ${n}: a fragment, wrapped (see test/readme/ExtractReadmeBlocks.cmake).\n"
        "#include <openai/images.hpp>\n"
        "#include <boost/asio.hpp>\n"
        "#include <iostream>\n"
        "#include <filesystem>\n")
      if(NOT includes STREQUAL "")
        string(APPEND source "#line ${first_line} \"${markdown}\"\n${includes}")
      endif()
      string(REGEX MATCHALL "\n" newlines "${source}")
      list(LENGTH newlines count)
      math(EXPR next "${count} + 2")  # the line after the #line directive below
      string(APPEND source
        "#line ${next} \"${file}\"\n"
        "namespace oi = openai::images;\n"
        "namespace asio = boost::asio;\n"
        "\n"
        "boost::asio::awaitable<void> readme_fragment_${n}(\n"
        "    [[maybe_unused]] openai::images::client& client,\n"
        "    [[maybe_unused]] openai::images::CreateImageRequest req) {\n"
        "#line ${body_line} \"${markdown}\"\n"
        "${body}"
        "    co_return;  // (the README line after the block)\n"
        "}\n")
      list(APPEND fragments ${file})
    endif()

    # Rewrite only what changed, so that ninja rebuilds only changed blocks.
    set(old "")
    if(EXISTS ${file})
      file(READ ${file} old)
    endif()
    if(NOT old STREQUAL source)
      file(WRITE ${file} "${source}")
    endif()
  endwhile()

  file(GLOB existing ${out_dir}/readme_block_*.cpp)
  foreach(f IN LISTS existing)
    if(NOT f IN_LIST wanted)
      file(REMOVE ${f})
    endif()
  endforeach()
  set(${programs_var} ${programs} PARENT_SCOPE)
  set(${fragments_var} ${fragments} PARENT_SCOPE)
endfunction()
