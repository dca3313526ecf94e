#include "kernel_sync/socket_channels.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <cstring>

#include "kernel_sync/kernel_keys.h"
#include "trap/raw_syscall.h"

namespace shmcheck::kernel_sync {

namespace {

using trap::raw_syscall;

// Tags keep the hashes of different kinds of names apart.
constexpr uint64_t kUnixPairTag = 0x756e697870616972ull;
constexpr uint64_t kUnixNameTag = 0x756e69786e616d65ull;
constexpr uint64_t kTcpTag = 0x7463702d636f6e6eull;
constexpr uint64_t kUdpTag = 0x7564702d706f7274ull;

int socket_option(int fd, int option) {
  int value = -1;
  socklen_t length = sizeof value;
  if (raw_syscall(SYS_getsockopt, fd, SOL_SOCKET, option, reinterpret_cast<long>(&value),
                  reinterpret_cast<long>(&length)) != 0)
    return -1;
  return value;
}

struct Name {
  struct sockaddr_storage address;
  socklen_t length;
};

bool own_name(int fd, Name *out) {
  out->length = sizeof out->address;
  return raw_syscall(SYS_getsockname, fd, reinterpret_cast<long>(&out->address),
                     reinterpret_cast<long>(&out->length)) == 0;
}

bool peer_name(int fd, Name *out) {
  out->length = sizeof out->address;
  return raw_syscall(SYS_getpeername, fd, reinterpret_cast<long>(&out->address),
                     reinterpret_cast<long>(&out->length)) == 0;
}

// A Unix socket's name (a path or an abstract name), hashed; false when it
// has none.
bool unix_name_hash(const struct sockaddr *address, socklen_t length, uint64_t *out) {
  const size_t header = offsetof(struct sockaddr_un, sun_path);
  if (address == nullptr || length <= header || address->sa_family != AF_UNIX) return false;
  const auto *un = reinterpret_cast<const struct sockaddr_un *>(address);
  size_t size = length - header;
  if (size > sizeof un->sun_path) size = sizeof un->sun_path;
  if (un->sun_path[0] != '\0') size = strnlen(un->sun_path, size);  // a path: up to its NUL
  if (size == 0) return false;
  *out = hash_bytes(un->sun_path, size, kUnixNameTag);
  return true;
}

// The inode of the peer of Unix socket `ino`, from the kernel's socket
// diagnostics (a netlink request about that one socket); 0 when unknown.
uint64_t unix_peer_inode(uint64_t ino) {
  const long nl = raw_syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
                              NETLINK_SOCK_DIAG);
  if (nl < 0) return 0;
  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.request.sdiag_family = AF_UNIX;
  message.request.udiag_states = ~0u;
  message.request.udiag_ino = static_cast<uint32_t>(ino);
  message.request.udiag_show = UDIAG_SHOW_PEER;
  message.request.udiag_cookie[0] = message.request.udiag_cookie[1] = ~0u;
  struct sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  uint64_t peer = 0;
  if (raw_syscall(SYS_sendto, nl, reinterpret_cast<long>(&message), sizeof message, 0,
                  reinterpret_cast<long>(&kernel), sizeof kernel) == sizeof message) {
    alignas(struct nlmsghdr) char reply[1024];
    const long n = raw_syscall(SYS_recvfrom, nl, reinterpret_cast<long>(reply), sizeof reply, 0,
                               0, 0);
    const auto *h = reinterpret_cast<const struct nlmsghdr *>(reply);
    if (n >= static_cast<long>(sizeof *h) && NLMSG_OK(h, static_cast<unsigned>(n)) &&
        h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      const auto *msg = static_cast<const struct unix_diag_msg *>(NLMSG_DATA(h));
      int left = static_cast<int>(h->nlmsg_len) - NLMSG_LENGTH(sizeof *msg);
      const auto *attr = reinterpret_cast<const struct rtattr *>(msg + 1);
      for (; left > 0 && RTA_OK(attr, left); attr = RTA_NEXT(attr, left)) {
        if (attr->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(attr) >= sizeof(uint32_t)) {
          uint32_t value;
          memcpy(&value, RTA_DATA(attr), sizeof value);
          peer = value;
        }
      }
    }
  }
  raw_syscall(SYS_close, nl);
  return peer;
}

uint64_t pair_hash(uint64_t tag, uint64_t one, uint64_t other) {
  const uint64_t low = one < other ? one : other;
  const uint64_t high = one < other ? other : one;
  uint64_t h = hash_bytes(&low, sizeof low, tag);
  return hash_bytes(&high, sizeof high, h);
}

// An IPv4 or IPv6 address and port as bytes (the family's own layout).
bool inet_bytes(const Name &name, const void **data, size_t *size, uint16_t *port) {
  if (name.address.ss_family == AF_INET) {
    const auto *in = reinterpret_cast<const struct sockaddr_in *>(&name.address);
    *data = &in->sin_addr;
    *size = sizeof in->sin_addr;
    *port = in->sin_port;
    return true;
  }
  if (name.address.ss_family == AF_INET6) {
    const auto *in6 = reinterpret_cast<const struct sockaddr_in6 *>(&name.address);
    *data = &in6->sin6_addr;
    *size = sizeof in6->sin6_addr;
    *port = in6->sin6_port;
    return true;
  }
  return false;
}

uint64_t endpoint_hash(const Name &name) {
  const void *data;
  size_t size;
  uint16_t port;
  if (!inet_bytes(name, &data, &size, &port)) return 0;
  return hash_bytes(&port, sizeof port, hash_bytes(data, size));
}

// A UDP receiving address: its port alone (a receiver bound to the wildcard
// address and a sender naming 127.0.0.1 must meet).
bool udp_port_key(const struct sockaddr *address, socklen_t length, core::SyncKey *out) {
  uint16_t port = 0;
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET && length >= sizeof(struct sockaddr_in))
    port = reinterpret_cast<const struct sockaddr_in *>(address)->sin_port;
  else if (address->sa_family == AF_INET6 && length >= sizeof(struct sockaddr_in6))
    port = reinterpret_cast<const struct sockaddr_in6 *>(address)->sin6_port;
  if (port == 0) return false;
  *out = socket_key(hash_bytes(&port, sizeof port, kUdpTag));
  return true;
}

void set_both(Descriptor *out, const core::SyncKey &key) {
  out->send_key = out->receive_key = key;
  out->has_send_key = out->has_receive_key = true;
}

bool describe_unix(int fd, uint64_t ino, int type, Descriptor *out) {
  if (type == SOCK_DGRAM) {
    Name self, peer;
    uint64_t h;
    bool complete = true;
    if (own_name(fd, &self) &&
        unix_name_hash(reinterpret_cast<const struct sockaddr *>(&self.address), self.length, &h)) {
      out->receive_key = socket_key(h);
      out->has_receive_key = true;
    }
    if (peer_name(fd, &peer) &&
        unix_name_hash(reinterpret_cast<const struct sockaddr *>(&peer.address), peer.length, &h)) {
      out->send_key = socket_key(h);
      out->has_send_key = true;
    }
    if (out->has_receive_key && out->has_send_key) return true;
    // An unnamed pair (socketpair): named by its two inodes.
    const uint64_t other = unix_peer_inode(ino);
    if (other != 0) {
      const core::SyncKey pair = socket_key(pair_hash(kUnixPairTag, ino, other));
      if (!out->has_receive_key) out->receive_key = pair;
      if (!out->has_send_key) out->send_key = pair;
      out->has_receive_key = out->has_send_key = true;
    } else {
      complete = false;  // not connected yet, or no diagnostics
    }
    return complete;
  }
  const uint64_t other = unix_peer_inode(ino);
  if (other == 0) return false;  // not connected (yet)
  set_both(out, socket_key(pair_hash(kUnixPairTag, ino, other)));
  return true;
}

bool describe_inet(int fd, int type, Descriptor *out) {
  Name self, peer;
  const bool have_self = own_name(fd, &self);
  const bool have_peer = peer_name(fd, &peer);
  if (type == SOCK_STREAM) {
    if (!have_self || !have_peer) return false;
    set_both(out, socket_key(pair_hash(kTcpTag, endpoint_hash(self), endpoint_hash(peer))));
    return true;
  }
  if (type != SOCK_DGRAM) return false;
  bool complete = true;
  if (have_self && udp_port_key(reinterpret_cast<const struct sockaddr *>(&self.address),
                                self.length, &out->receive_key))
    out->has_receive_key = true;
  else
    complete = false;  // no port until bound or first send
  if (have_peer && udp_port_key(reinterpret_cast<const struct sockaddr *>(&peer.address),
                                peer.length, &out->send_key))
    out->has_send_key = true;
  else
    complete = false;
  return complete;
}

}  // namespace

bool describe_socket(int fd, uint64_t ino, Descriptor *out) {
  const int domain = socket_option(fd, SO_DOMAIN);
  const int type = socket_option(fd, SO_TYPE);
  if (domain == AF_UNIX) return describe_unix(fd, ino, type, out);
  if (domain == AF_INET || domain == AF_INET6) return describe_inet(fd, type, out);
  return true;  // another family: no edge, and that will not change
}

bool send_key_for_address(const struct sockaddr *address, socklen_t length,
                          core::SyncKey *out) {
  if (address == nullptr) return false;
  uint64_t h;
  if (address->sa_family == AF_UNIX) {
    if (!unix_name_hash(address, length, &h)) return false;
    *out = socket_key(h);
    return true;
  }
  return udp_port_key(address, length, out);
}

}  // namespace shmcheck::kernel_sync
