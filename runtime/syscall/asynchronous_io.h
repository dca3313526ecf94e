// Asynchronous kernel access (io_uring, Linux AIO): the kernel reads and
// writes the buffers named in submitted requests later, from its own
// context, where neither the boundary nor a trap can move them to the
// alias. At the first submission the process's watched pieces are left
// unwatched (their views get the program's protection back), with one
// line, so that no request fails with EFAULT.
#pragma once

namespace shmcheck::syscall {

// [signal-safe] Called before each system call the boundary carries out.
void before_possible_asynchronous_io(long number);

}  // namespace shmcheck::syscall
