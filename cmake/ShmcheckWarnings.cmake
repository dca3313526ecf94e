# Warnings for our own targets only; third-party headers come in as SYSTEM.
add_library(shmcheck_warnings INTERFACE)
target_compile_options(shmcheck_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wno-unused-parameter
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
if(SHMCHECK_WERROR)
  target_compile_options(shmcheck_warnings INTERFACE -Werror)
endif()
