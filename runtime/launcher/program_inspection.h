// What LD_PRELOAD can reach. The launcher looks at the program before it
// runs it and warns when the runtime cannot be loaded into it, which would
// otherwise only show as a run where nothing was checked:
//   - no dynamic loader (a static or static-pie executable: no PT_INTERP):
//     nothing is preloaded at all;
//   - not linked against the C library (no DT_NEEDED libc): the runtime is
//     loaded but no call of the program goes through it;
//   - set-user-ID or set-group-ID to someone else, or file capabilities this
//     user does not have: the loader runs it in secure mode and ignores
//     LD_PRELOAD.
#pragma once

#include <string>
#include <vector>

namespace shmcheck::launcher {

// Where execvp would find `name`: itself when it contains '/', else the
// first executable file of that name on PATH; empty when there is none.
std::string resolve_program(const std::string &name);

// One line per reason the runtime cannot check the program at `path`
// (without the "shmcheck: " prefix), e.g. "'./server' is statically linked:
// LD_PRELOAD cannot reach it; it runs unchecked". Empty when the program
// can be checked, is not an ELF executable (a script: its interpreter is
// what runs), or cannot be read.
std::vector<std::string> preload_warnings(const std::string &shown_name, const std::string &path);

}  // namespace shmcheck::launcher
