# shmcheck_instrument(<target> [LIBRARY <path to libshmcheck.so>])
#
# Builds <target> for shmcheck's instrumented mode: its C and C++ sources are
# compiled with ThreadSanitizer's instrumentation, whose entry points
# libshmcheck.so implements, and the target is linked with libshmcheck.so
# instead of ThreadSanitizer's own runtime. Shared memory accesses are then
# checked without page traps (docs/runtime.md, "Instrumented mode").
#
#   clang: -fsanitize=thread when compiling, and
#          -fsanitize=thread -fno-sanitize-link-runtime when linking;
#   gcc:   -fsanitize=thread when compiling only (gcc has no switch to leave
#          its runtime out at link time, so the link does not see the flag).
#
# The library is the in-tree target `shmcheck` when it exists, else LIBRARY,
# else the variable SHMCHECK_LIBRARY. The build tree's rpath lets the program
# find it; installed programs find it like any other shared library.
function(shmcheck_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LIBRARY" "")
  set(library "${arg_LIBRARY}")
  if(NOT library AND TARGET shmcheck)
    set(library shmcheck)
  elseif(NOT library)
    set(library "${SHMCHECK_LIBRARY}")
  endif()
  if(NOT library)
    message(FATAL_ERROR "shmcheck_instrument(${target}): no libshmcheck.so "
                        "(build it in this project, or pass LIBRARY)")
  endif()

  foreach(language C CXX)
    set(id "${CMAKE_${language}_COMPILER_ID}")
    if(id MATCHES "Clang|GNU")
      target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:${language}>:-fsanitize=thread>)
    elseif(id)
      message(FATAL_ERROR "shmcheck_instrument(${target}): ${language} "
                          "compiler ${id} has no -fsanitize=thread")
    endif()
  endforeach()
  # The linker driver: clang takes the sanitizer flags at link time too (so
  # that it links what the instrumentation needs besides the runtime); gcc
  # must not see -fsanitize=thread there, or it links libtsan.
  get_target_property(linker_language ${target} LINKER_LANGUAGE)
  if(NOT linker_language)
    set(linker_language CXX)
    get_target_property(sources ${target} SOURCES)
    if(NOT sources MATCHES "\\.(cc|cpp|cxx|C)(;|$)")
      set(linker_language C)
    endif()
  endif()
  if(CMAKE_${linker_language}_COMPILER_ID MATCHES "Clang")
    target_link_options(${target} PRIVATE
      -fsanitize=thread -fno-sanitize-link-runtime)
  endif()

  target_link_libraries(${target} PRIVATE ${library})
  if(NOT TARGET ${library})
    get_filename_component(directory "${library}" DIRECTORY)
    set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH "${directory}")
  endif()
endfunction()
