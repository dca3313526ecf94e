# Writes the pages of docs/checks/ into a C++ include file, so that shm-tidy
# carries the same text in its SARIF rules as the documentation does.
#   cmake -DDOCS_DIR=<docs/checks> -DOUTPUT=<file.inc> -P EmbedCheckDocs.cmake
# Each page becomes {"<page name>", R"shmtidydoc(<page text>)shmtidydoc"},
file(GLOB pages "${DOCS_DIR}/*.md")
list(SORT pages)
set(content "// Generated from docs/checks/*.md by EmbedCheckDocs.cmake. Do not edit.\n")
foreach(page IN LISTS pages)
  get_filename_component(name "${page}" NAME_WE)
  file(READ "${page}" text)
  string(FIND "${text}" ")shmtidydoc\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${page} contains the delimiter )shmtidydoc\"")
  endif()
  string(APPEND content "{\"${name}\", R\"shmtidydoc(${text})shmtidydoc\"},\n")
endforeach()
# Rewrite only on change, so that editing nothing rebuilds nothing.
file(WRITE "${OUTPUT}.new" "${content}")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
