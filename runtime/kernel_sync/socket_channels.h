// Where a socket's sends meet its peer's receives.
//
// - A connected stream (or seqpacket) socket: the connection, named by its
//   two ends in an order both ends agree on: for Unix sockets the two socket
//   inodes (the peer's from the kernel's socket diagnostics), for TCP the
//   two addresses and ports.
// - A datagram socket: the receiving address (a Unix socket's bound name, a
//   UDP port), which a sender knows from the address it sends to or the one
//   it is connected to; an unnamed Unix datagram pair (socketpair) is named
//   by its two inodes like a stream.
// [signal-safe]: raw system calls only.
#pragma once

#include <cstdint>
#include <sys/socket.h>

#include "kernel_sync/descriptor_identity.h"

namespace shmcheck::kernel_sync {

// Fills the keys of socket `fd` (inode `ino`) that do not depend on a call's
// address. Returns true when the result is complete and may be cached.
bool describe_socket(int fd, uint64_t ino, Descriptor *out);

// The key a send to `address` (sendto/sendmsg with a name) releases.
bool send_key_for_address(const struct sockaddr *address, socklen_t length,
                          core::SyncKey *out);

}  // namespace shmcheck::kernel_sync
