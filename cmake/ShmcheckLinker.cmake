# Linking shm-tidy pulls in every clang-tidy module archive; lld does it in a
# fraction of the time and memory of GNU ld, so use it when it is installed.
include(CheckLinkerFlag)
find_program(SHMCHECK_LLD NAMES ld.lld-19 ld.lld)
if(SHMCHECK_LLD)
  check_linker_flag(CXX "-fuse-ld=lld" SHMCHECK_HAVE_LLD)
  if(SHMCHECK_HAVE_LLD)
    add_link_options(-fuse-ld=lld)
  endif()
endif()
