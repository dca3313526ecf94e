// Start and end of a checked process.
#pragma once

namespace shmcheck::interpose {

// Remembers the pid the core registered (at start, and in a fork child).
void note_process_identity();
// In a fork child: it is not the top of the checked process tree, so a race
// leaves its exit status alone (unless exitcode_every_process).
void note_forked_child();
// False in a child made by vfork (or clone) that shares our memory but is
// not the registered process: it must leave the runtime's state alone.
bool is_registered_process();

// Unregisters the process from the core (flushing its reports) once; the
// exit paths (normal exit, _exit, _Exit) all come here.
void finish_process();

// The status for _exit(status): the `exitcode` option instead of 0 when the
// process took part in a reported race (the top of the checked tree: when a
// race was reported while it ran) and its status changes on races (see
// process_lifetime.cpp); a failure status stays.
int exit_status(int status);

}  // namespace shmcheck::interpose
