// Keeps the protection state consistent across fork: no single step may be
// half done when the address space is copied, the child's trap lock must not
// belong to a thread that does not exist there, and the child must not share
// the parent's code buffer for displaced instructions.
#pragma once

namespace shmcheck::trap {

// Registers the fork handlers (once, at process start, before the
// application registers its own: ours then run last before the fork and
// first after it).
void register_fork_handlers();

}  // namespace shmcheck::trap
