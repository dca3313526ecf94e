// Threads of a checked process: registration with the core at start, the
// creation edge (pthread_create -> first instruction of the thread) and the
// exit edge (last instruction -> pthread_join).
#pragma once

namespace shmcheck::interpose {

// Creates the thread-exit hook (at process start, normal context).
void prepare_thread_registry();

}  // namespace shmcheck::interpose
