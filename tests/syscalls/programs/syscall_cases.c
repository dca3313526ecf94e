// Correct single-process uses of system calls (and a few instruction forms)
// whose memory lies in a shared segment. Each case prints what the program
// observes: results, errno, data. The driver runs every case natively and
// under the runtime and requires identical output and status.
//
//   syscall_cases --list
//   syscall_cases sysv|posix CASE
//
// The segment is removed (IPC_RMID, shm_unlink) as soon as it is attached,
// so a crashing case leaves nothing behind.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <alloca.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define SEGMENT_SIZE (1 << 20)

static char *seg;  // the segment; cases use it from offset 0

// Prints a call's result and errno (or 0) under a label.
#define SHOW(label, expr)                                                   \
  do {                                                                      \
    errno = 0;                                                              \
    long r_ = (long)(expr);                                                 \
    printf("%s = %ld errno %d\n", label, r_, r_ < 0 ? errno : 0);           \
  } while (0)
// For functions that return an error number.
#define SHOW_RC(label, expr) printf("%s = %d\n", label, (int)(expr))

static void flush(void) { fflush(stdout); }

static struct timespec deadline_in(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

static void temp_file(char *path, const char *content) {
  strcpy(path, "/tmp/syscall_cases.XXXXXX");
  int fd = mkstemp(path);
  if (content)
    write(fd, content, strlen(content));
  close(fd);
}

// ---- file system -----------------------------------------------------------

static void c_stat(void) {
  struct stat *st = (struct stat *)seg;
  SHOW("stat", stat("/etc/passwd", st));
  struct stat ref;
  stat("/etc/passwd", &ref);
  printf("same size %d ino %d\n", st->st_size == ref.st_size, st->st_ino == ref.st_ino);
}
static void c_lstat(void) {
  struct stat *st = (struct stat *)(seg + 100);
  SHOW("lstat", lstat("/proc/self/exe", st));
  printf("link %d\n", S_ISLNK(st->st_mode));
}
static void c_fstat(void) {
  int fd = open("/etc/passwd", O_RDONLY);
  struct stat *st = (struct stat *)seg;
  SHOW("fstat", fstat(fd, st));
  printf("reg %d\n", S_ISREG(st->st_mode));
  close(fd);
}
static void c_fstatat(void) {
  struct stat *st = (struct stat *)seg;
  SHOW("fstatat", fstatat(AT_FDCWD, "/etc", st, 0));
  printf("dir %d\n", S_ISDIR(st->st_mode));
}
static void c_statx(void) {
  struct statx *st = (struct statx *)seg;
  SHOW("statx", statx(AT_FDCWD, "/etc/passwd", 0, STATX_SIZE, st));
  struct stat ref;
  stat("/etc/passwd", &ref);
  printf("size ok %d\n", (long long)st->stx_size == (long long)ref.st_size);
}
static void c_path_stat(void) {
  strcpy(seg + 4000, "/etc/passwd");
  SHOW("stat path in segment", stat(seg + 4000, (struct stat *)seg));
}
static void c_path_open(void) {
  strcpy(seg + 4095, "/etc/passwd");  // crosses a page boundary
  int fd = open(seg + 4095, O_RDONLY);
  printf("open %d errno %d\n", fd >= 0, fd < 0 ? errno : 0);
  close(fd);
  strcpy(seg, "/nonexistent/file");
  SHOW("open missing", open(seg, O_RDONLY));
}
static void c_path_access(void) {
  strcpy(seg + 64, "/etc/hostname");
  SHOW("access", access(seg + 64, R_OK));
  strcpy(seg + 64, "/etc/nonexistent");
  SHOW("access missing", access(seg + 64, R_OK));
}
static void c_getdents64(void) {
  int fd = open("/", O_RDONLY | O_DIRECTORY);
  long total = 0, n, entries = 0;
  while ((n = syscall(SYS_getdents64, fd, seg, 4096)) > 0) {
    total += n;
    for (long at = 0; at < n;) {
      unsigned short reclen;
      memcpy(&reclen, seg + at + 16, 2);
      at += reclen;
      ++entries;
    }
  }
  printf("getdents64 end %ld entries>2 %d\n", n, entries > 2);
  close(fd);
}
static void c_readlink(void) {
  ssize_t n = readlink("/proc/self/cwd", seg, 512);
  printf("readlink %d\n", n > 0);
  char cwd[512];
  getcwd(cwd, sizeof cwd);
  printf("same %d\n", n > 0 && (size_t)n == strlen(cwd) && memcmp(seg, cwd, n) == 0);
  strcpy(seg + 1000, "/proc/self/cwd");
  SHOW("readlink path in segment", readlink(seg + 1000, seg + 2000, 10) > 0);
}
static void c_getcwd(void) {
  char *r = getcwd(seg, 4096);
  char ref[4096];
  getcwd(ref, sizeof ref);
  printf("getcwd %d same %d\n", r == seg, strcmp(seg, ref) == 0);
  errno = 0;
  r = getcwd(seg, 1);
  printf("getcwd small %d errno %d\n", r == NULL, errno);
}
static void c_utimensat(void) {
  char path[64];
  temp_file(path, "x");
  struct timespec *t = (struct timespec *)seg;
  t[0].tv_sec = 1000000;
  t[0].tv_nsec = 0;
  t[1].tv_sec = 2000000;
  t[1].tv_nsec = 0;
  SHOW("utimensat", utimensat(AT_FDCWD, path, t, 0));
  struct stat st;
  stat(path, &st);
  printf("mtime %ld\n", (long)st.st_mtime);
  unlink(path);
}
static void c_fcntl_getlk(void) {
  char path[64];
  temp_file(path, "data");
  int fd = open(path, O_RDWR);
  struct flock *lk = (struct flock *)seg;
  memset(lk, 0, sizeof *lk);
  lk->l_type = F_WRLCK;
  lk->l_whence = SEEK_SET;
  SHOW("fcntl F_GETLK", fcntl(fd, F_GETLK, lk));
  printf("l_type unlocked %d\n", lk->l_type == F_UNLCK);
  lk->l_type = F_WRLCK;
  SHOW("fcntl F_SETLK", fcntl(fd, F_SETLK, lk));
  close(fd);
  unlink(path);
}
static void c_execve(void) {
  strcpy(seg, "/bin/sh");
  strcpy(seg + 16, "sh");
  strcpy(seg + 32, "-c");
  strcpy(seg + 48, "exit 7");
  char **argv = (char **)(seg + 128);
  argv[0] = seg + 16;
  argv[1] = seg + 32;
  argv[2] = seg + 48;
  argv[3] = NULL;
  flush();
  pid_t pid = fork();
  if (pid == 0) {
    execve(seg, argv, environ);
    _exit(99);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
}

// ---- descriptors, pipes, sockets --------------------------------------------

static void c_pipe(void) {
  int *fds = (int *)seg;
  SHOW("pipe", pipe(fds));
  SHOW("write", write(fds[1], "hello", 5));
  char buf[8] = {0};
  SHOW("read", read(fds[0], buf, 8));
  printf("data %s\n", buf);
  close(fds[0]);
  close(fds[1]);
}
static void c_pipe2(void) {
  int *fds = (int *)(seg + 8);
  SHOW("pipe2", pipe2(fds, O_CLOEXEC));
  printf("cloexec %d\n", (fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
  close(fds[0]);
  close(fds[1]);
}
static void c_read_write(void) {
  int p[2];
  pipe(p);
  memcpy(seg, "segment-data", 12);
  SHOW("write from segment", write(p[1], seg, 12));
  SHOW("read into segment", read(p[0], seg + 100, 64));
  printf("data %.12s\n", seg + 100);
  close(p[0]);
  close(p[1]);
}
static void c_readv_writev(void) {
  int p[2];
  pipe(p);
  struct iovec *iov = (struct iovec *)seg;
  memcpy(seg + 200, "abc", 3);
  memcpy(seg + 300, "defg", 4);
  iov[0] = (struct iovec){seg + 200, 3};
  iov[1] = (struct iovec){seg + 300, 4};
  SHOW("writev", writev(p[1], iov, 2));
  iov[0] = (struct iovec){seg + 400, 2};
  iov[1] = (struct iovec){seg + 500, 10};
  SHOW("readv", readv(p[0], iov, 2));
  printf("data %.2s %.5s\n", seg + 400, seg + 500);
  close(p[0]);
  close(p[1]);
}
static void c_pread_pwrite(void) {
  char path[64];
  temp_file(path, NULL);
  int fd = open(path, O_RDWR);
  memcpy(seg, "0123456789", 10);
  SHOW("pwrite", pwrite(fd, seg, 10, 5));
  SHOW("pread", pread(fd, seg + 100, 20, 7));
  printf("data %.8s\n", seg + 100);
  close(fd);
  unlink(path);
}
static void c_preadv2_pwritev2(void) {
  char path[64];
  temp_file(path, NULL);
  int fd = open(path, O_RDWR);
  struct iovec *iov = (struct iovec *)(seg + 64);
  memcpy(seg + 1000, "xyz", 3);
  iov[0] = (struct iovec){seg + 1000, 3};
  SHOW("pwritev2", pwritev2(fd, iov, 1, 0, 0));
  iov[0] = (struct iovec){seg + 2000, 3};
  SHOW("preadv2", preadv2(fd, iov, 1, 0, 0));
  printf("data %.3s\n", seg + 2000);
  close(fd);
  unlink(path);
}
static void c_vmsplice(void) {
  int p[2];
  pipe(p);
  memcpy(seg + 4096, "spliced", 7);
  struct iovec *iov = (struct iovec *)seg;
  iov[0] = (struct iovec){seg + 4096, 7};
  SHOW("vmsplice", vmsplice(p[1], iov, 1, 0));
  char buf[16] = {0};
  SHOW("read", read(p[0], buf, 16));
  printf("data %s\n", buf);
  close(p[0]);
  close(p[1]);
}
static void c_splice(void) {
  char path[64];
  temp_file(path, "0123456789");
  int fd = open(path, O_RDONLY);
  int p[2];
  pipe(p);
  loff_t *off = (loff_t *)seg;
  *off = 3;
  SHOW("splice", splice(fd, off, p[1], NULL, 4, 0));
  printf("offset now %ld\n", (long)*off);
  char buf[8] = {0};
  read(p[0], buf, 8);
  printf("data %s\n", buf);
  close(fd);
  close(p[0]);
  close(p[1]);
  unlink(path);
}
static void c_sendfile(void) {
  char path[64];
  temp_file(path, "abcdefgh");
  int fd = open(path, O_RDONLY);
  int p[2];
  pipe(p);
  off_t *off = (off_t *)(seg + 8);
  *off = 2;
  SHOW("sendfile", sendfile(p[1], fd, off, 3));
  printf("offset now %ld\n", (long)*off);
  char buf[8] = {0};
  read(p[0], buf, 8);
  printf("data %s\n", buf);
  close(fd);
  close(p[0]);
  close(p[1]);
  unlink(path);
}
static void c_socketpair(void) {
  int *sv = (int *)seg;
  SHOW("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  SHOW("send", send(sv[0], "ping", 4, 0));
  SHOW("recv into segment", recv(sv[1], seg + 100, 16, 0));
  printf("data %.4s\n", seg + 100);
  close(sv[0]);
  close(sv[1]);
}
static void c_ioctl_fionread(void) {
  int p[2];
  pipe(p);
  write(p[1], "12345", 5);
  int *n = (int *)seg;
  SHOW("ioctl FIONREAD", ioctl(p[0], FIONREAD, n));
  printf("pending %d\n", *n);
  close(p[0]);
  close(p[1]);
}
static void c_getsockopt(void) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  int *value = (int *)seg;
  socklen_t *len = (socklen_t *)(seg + 8);
  *len = sizeof(int);
  SHOW("getsockopt", getsockopt(s, SOL_SOCKET, SO_TYPE, value, len));
  printf("type %d len %u\n", *value, *len);
  *value = 1;
  SHOW("setsockopt", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, value, sizeof(int)));
  close(s);
}
static void c_scm_rights(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int p[2];
  pipe(p);
  // Everything of both messages in the segment: header, iovec, data, control.
  struct msghdr *msg = (struct msghdr *)seg;
  struct iovec *iov = (struct iovec *)(seg + 64);
  char *control = seg + 128;
  memcpy(seg + 512, "fd!", 3);
  memset(msg, 0, sizeof *msg);
  iov->iov_base = seg + 512;
  iov->iov_len = 3;
  msg->msg_iov = iov;
  msg->msg_iovlen = 1;
  msg->msg_control = control;
  msg->msg_controllen = CMSG_SPACE(sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[1], sizeof(int));
  SHOW("sendmsg", sendmsg(sv[0], msg, 0));

  memset(msg, 0, sizeof *msg);
  memset(control, 0, 64);
  iov->iov_base = seg + 600;
  iov->iov_len = 16;
  msg->msg_iov = iov;
  msg->msg_iovlen = 1;
  msg->msg_control = control;
  msg->msg_controllen = CMSG_SPACE(sizeof(int));
  SHOW("recvmsg", recvmsg(sv[1], msg, 0));
  printf("flags %d controllen %zu data %.3s\n", msg->msg_flags,
         (size_t)msg->msg_controllen, seg + 600);
  c = CMSG_FIRSTHDR(msg);
  int passed = -1;
  if (c && c->cmsg_type == SCM_RIGHTS)
    memcpy(&passed, CMSG_DATA(c), sizeof(int));
  printf("passed fd works %d\n", passed >= 0 && write(passed, "x", 1) == 1);
  char b;
  printf("pipe got %d\n", (int)read(p[0], &b, 1));
}
static void c_mmsg(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct mmsghdr *m = (struct mmsghdr *)seg;
  struct iovec *iov = (struct iovec *)(seg + 512);
  memset(m, 0, 2 * sizeof *m);
  memcpy(seg + 1024, "one", 3);
  memcpy(seg + 1100, "two!", 4);
  iov[0] = (struct iovec){seg + 1024, 3};
  iov[1] = (struct iovec){seg + 1100, 4};
  m[0].msg_hdr.msg_iov = &iov[0];
  m[0].msg_hdr.msg_iovlen = 1;
  m[1].msg_hdr.msg_iov = &iov[1];
  m[1].msg_hdr.msg_iovlen = 1;
  SHOW("sendmmsg", sendmmsg(sv[0], m, 2, 0));
  printf("lens %u %u\n", m[0].msg_len, m[1].msg_len);
  memset(m, 0, 2 * sizeof *m);
  iov[2] = (struct iovec){seg + 2000, 16};
  iov[3] = (struct iovec){seg + 2100, 16};
  m[0].msg_hdr.msg_iov = &iov[2];
  m[0].msg_hdr.msg_iovlen = 1;
  m[1].msg_hdr.msg_iov = &iov[3];
  m[1].msg_hdr.msg_iovlen = 1;
  SHOW("recvmmsg", recvmmsg(sv[1], m, 2, 0, NULL));
  printf("lens %u %u data %.3s %.4s\n", m[0].msg_len, m[1].msg_len, seg + 2000,
         seg + 2100);
}
static void c_unix_addresses(void) {
  struct sockaddr_un *addr = (struct sockaddr_un *)seg;
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  snprintf(addr->sun_path + 1, 60, "syscall_cases_%d", getpid());  // abstract
  socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 +
                  strlen(addr->sun_path + 1);
  int server = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("bind", bind(server, (struct sockaddr *)addr, len));
  SHOW("listen", listen(server, 1));
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("connect", connect(client, (struct sockaddr *)addr, len));
  socklen_t *got_len = (socklen_t *)(seg + 512);
  *got_len = sizeof(struct sockaddr_un);
  int conn = accept(server, (struct sockaddr *)(seg + 256), got_len);
  printf("accept %d len %u\n", conn >= 0, *got_len);
  *got_len = sizeof(struct sockaddr_un);
  SHOW("getsockname", getsockname(server, (struct sockaddr *)(seg + 600), got_len));
  printf("name len %u same %d\n", *got_len, memcmp(seg + 600, addr, len) == 0);
  *got_len = sizeof(struct sockaddr_un);
  SHOW("getpeername", getpeername(client, (struct sockaddr *)(seg + 700), got_len));
  close(conn);
  close(client);
  close(server);
}
static void c_sendto_recvfrom(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  memcpy(seg, "datagram", 8);
  SHOW("sendto", sendto(sv[0], seg, 8, 0, NULL, 0));
  socklen_t *len = (socklen_t *)(seg + 100);
  *len = sizeof(struct sockaddr_un);
  SHOW("recvfrom", recvfrom(sv[1], seg + 200, 64, 0, (struct sockaddr *)(seg + 300), len));
  printf("data %.8s\n", seg + 200);
}
static void c_poll(void) {
  int p[2];
  pipe(p);
  write(p[1], "x", 1);
  struct pollfd *fds = (struct pollfd *)seg;
  fds[0] = (struct pollfd){p[0], POLLIN, 0};
  fds[1] = (struct pollfd){p[1], POLLOUT, 0};
  SHOW("poll", poll(fds, 2, 1000));
  printf("revents %d %d\n", fds[0].revents, fds[1].revents);
}
static void c_ppoll(void) {
  int p[2];
  pipe(p);
  struct pollfd *fds = (struct pollfd *)seg;
  fds[0] = (struct pollfd){p[0], POLLIN, 0};
  struct timespec *t = (struct timespec *)(seg + 64);
  *t = (struct timespec){0, 20 * 1000000};
  sigset_t *mask = (sigset_t *)(seg + 128);
  sigemptyset(mask);
  SHOW("ppoll timeout", ppoll(fds, 1, t, mask));
  printf("revents %d\n", fds[0].revents);
}
static void c_select(void) {
  int p[2];
  pipe(p);
  write(p[1], "x", 1);
  fd_set *r = (fd_set *)seg;
  FD_ZERO(r);
  FD_SET(p[0], r);
  struct timeval *tv = (struct timeval *)(seg + 256);
  *tv = (struct timeval){1, 0};
  SHOW("select", select(p[0] + 1, r, NULL, NULL, tv));
  printf("isset %d\n", FD_ISSET(p[0], r));
}
static void c_pselect(void) {
  int p[2];
  pipe(p);
  fd_set *r = (fd_set *)seg;
  FD_ZERO(r);
  FD_SET(p[0], r);
  struct timespec *t = (struct timespec *)(seg + 256);
  *t = (struct timespec){0, 10 * 1000000};
  sigset_t *mask = (sigset_t *)(seg + 512);
  sigemptyset(mask);
  SHOW("pselect timeout", pselect(p[0] + 1, r, NULL, NULL, t, mask));
  printf("isset %d\n", FD_ISSET(p[0], r));
}
static void c_epoll(void) {
  int p[2];
  pipe(p);
  write(p[1], "x", 1);
  int ep = epoll_create1(0);
  struct epoll_event *ev = (struct epoll_event *)seg;
  ev->events = EPOLLIN;
  ev->data.u64 = 42;
  SHOW("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], ev));
  struct epoll_event *out = (struct epoll_event *)(seg + 128);
  SHOW("epoll_wait", epoll_wait(ep, out, 4, 1000));
  printf("data %lu events %u\n", (unsigned long)out[0].data.u64, out[0].events);
  sigset_t *mask = (sigset_t *)(seg + 512);
  sigemptyset(mask);
  SHOW("epoll_pwait", epoll_pwait(ep, out, 4, 0, mask));
}

// ---- signals --------------------------------------------------------------

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

static void c_sigprocmask(void) {
  sigset_t *set = (sigset_t *)seg;
  sigset_t *old = (sigset_t *)(seg + 128);
  sigemptyset(set);
  sigaddset(set, SIGUSR1);
  SHOW("sigprocmask block", sigprocmask(SIG_BLOCK, set, old));
  printf("old has usr1 %d\n", sigismember(old, SIGUSR1));
  SHOW("sigprocmask query", sigprocmask(SIG_SETMASK, NULL, old));
  printf("now has usr1 %d\n", sigismember(old, SIGUSR1));
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  printf("delivered while blocked %d\n", got_usr1);
  SHOW("sigprocmask unblock", sigprocmask(SIG_UNBLOCK, set, NULL));
  printf("delivered after %d\n", got_usr1);
}
static void c_pthread_sigmask(void) {
  sigset_t *set = (sigset_t *)(seg + 64);
  sigemptyset(set);
  sigaddset(set, SIGUSR2);
  SHOW_RC("pthread_sigmask", pthread_sigmask(SIG_BLOCK, set, (sigset_t *)(seg + 256)));
  SHOW_RC("pthread_sigmask query", pthread_sigmask(SIG_BLOCK, NULL, (sigset_t *)(seg + 256)));
  printf("blocked usr2 %d\n", sigismember((sigset_t *)(seg + 256), SIGUSR2));
}
static void c_sigpending(void) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  sigset_t *pending = (sigset_t *)seg;
  SHOW("sigpending", sigpending(pending));
  printf("pending usr1 %d\n", sigismember(pending, SIGUSR1));
  siginfo_t *info = (siginfo_t *)(seg + 256);
  struct timespec *t = (struct timespec *)(seg + 512);
  *t = (struct timespec){1, 0};
  SHOW("sigtimedwait", sigtimedwait(&block, info, t));
  printf("info signo %d\n", info->si_signo);
}
static void c_sigaltstack(void) {
  stack_t *old = (stack_t *)seg;
  SHOW("sigaltstack query", sigaltstack(NULL, old));
  printf("disabled %d\n", (old->ss_flags & SS_DISABLE) != 0);
  stack_t *ss = (stack_t *)(seg + 64);
  ss->ss_sp = malloc(65536);
  ss->ss_size = 65536;
  ss->ss_flags = 0;
  SHOW("sigaltstack set", sigaltstack(ss, NULL));
  SHOW("sigaltstack again", sigaltstack(NULL, old));
  printf("size %zu flags %d\n", old->ss_size, old->ss_flags);
}
static volatile int on_alternate;
static void on_usr2_onstack(int sig) {
  volatile char here;
  (void)sig;
  on_alternate = &here > seg && &here < seg + SEGMENT_SIZE;
}
static void c_altstack_in_segment(void) {
  stack_t ss = {seg + 131072, 0, 65536};
  SHOW("sigaltstack in segment", sigaltstack(&ss, NULL));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr2_onstack;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  printf("handler ran on the segment %d\n", on_alternate);
}
static void c_sigaction(void) {
  struct sigaction *sa = (struct sigaction *)seg;
  memset(sa, 0, sizeof *sa);
  sa->sa_handler = on_usr1;
  SHOW("sigaction", sigaction(SIGUSR1, sa, NULL));
  SHOW("sigaction query", sigaction(SIGUSR1, NULL, (struct sigaction *)(seg + 256)));
  printf("same handler %d\n", ((struct sigaction *)(seg + 256))->sa_handler == on_usr1);
  got_usr1 = 0;
  raise(SIGUSR1);
  printf("handled %d\n", got_usr1);
}
static void c_signalfd(void) {
  sigset_t *mask = (sigset_t *)seg;
  sigemptyset(mask);
  sigaddset(mask, SIGUSR2);
  sigprocmask(SIG_BLOCK, mask, NULL);
  int fd = syscall(SYS_signalfd4, -1, mask, 8, 0);
  printf("signalfd %d\n", fd >= 0);
  raise(SIGUSR2);
  char info[128];
  printf("read %d\n", (int)read(fd, info, sizeof info));
}

// ---- process and system information -------------------------------------

static void c_uname(void) {
  struct utsname *u = (struct utsname *)seg;
  SHOW("uname", uname(u));
  printf("sysname %s\n", u->sysname);
}
static void c_getrandom(void) {
  memset(seg, 0, 64);
  SHOW("getrandom", getrandom(seg, 64, 0));
  int nonzero = 0;
  for (int i = 0; i < 64; ++i)
    nonzero |= seg[i] != 0;
  printf("filled %d\n", nonzero);
}
static void c_sched_getaffinity(void) {
  cpu_set_t *set = (cpu_set_t *)seg;
  SHOW("sched_getaffinity", sched_getaffinity(0, sizeof(cpu_set_t), set));
  cpu_set_t ref;
  sched_getaffinity(0, sizeof ref, &ref);
  printf("same %d\n", CPU_EQUAL(set, &ref));
  SHOW("sched_setaffinity", sched_setaffinity(0, sizeof(cpu_set_t), set));
}
static void c_prctl_name(void) {
  strcpy(seg + 100, "casename");
  SHOW("prctl PR_SET_NAME", prctl(PR_SET_NAME, seg + 100));
  SHOW("prctl PR_GET_NAME", prctl(PR_GET_NAME, seg));
  printf("name %s\n", seg);
}
static void c_getrusage(void) {
  struct rusage *u = (struct rusage *)seg;
  memset(u, 0xff, sizeof *u);
  SHOW("getrusage", getrusage(RUSAGE_SELF, u));
  printf("maxrss positive %d\n", u->ru_maxrss > 0);
}
static void c_getrlimit(void) {
  struct rlimit *r = (struct rlimit *)seg;
  SHOW("getrlimit", getrlimit(RLIMIT_NOFILE, r));
  struct rlimit ref;
  getrlimit(RLIMIT_NOFILE, &ref);
  printf("same %d\n", r->rlim_cur == ref.rlim_cur && r->rlim_max == ref.rlim_max);
  SHOW("setrlimit", setrlimit(RLIMIT_NOFILE, r));
  SHOW("prlimit", prlimit(0, RLIMIT_NOFILE, NULL, (struct rlimit *)(seg + 64)));
}
static void c_sysinfo(void) {
  struct sysinfo *s = (struct sysinfo *)seg;
  SHOW("sysinfo", sysinfo(s));
  printf("mem_unit %u\n", s->mem_unit);
}
static void c_times(void) {
  struct tms *t = (struct tms *)seg;
  memset(t, 0xff, sizeof *t);
  clock_t c = times(t);
  printf("times ok %d fields sane %d\n", c != (clock_t)-1,
         t->tms_utime >= 0 && t->tms_stime >= 0 && t->tms_cutime == 0);
}
static void c_clock_cpu(void) {
  struct timespec *t = (struct timespec *)seg;
  SHOW("clock_gettime process cpu", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, t));
  SHOW("clock_gettime thread cpu", clock_gettime(CLOCK_THREAD_CPUTIME_ID, t + 1));
  SHOW("clock_gettime monotonic", clock_gettime(CLOCK_MONOTONIC, t + 2));
  SHOW("clock_getres", clock_getres(CLOCK_REALTIME, t + 3));
  printf("res %ld\n", t[3].tv_nsec);
  clockid_t cid;
  pthread_getcpuclockid(pthread_self(), &cid);
  SHOW("clock_gettime pthread clock", clock_gettime(cid, t + 4));
}
static void c_gettimeofday(void) {
  struct timeval *tv = (struct timeval *)seg;
  SHOW("gettimeofday", gettimeofday(tv, NULL));
  printf("sane %d\n", tv->tv_sec > 1000000000);
  time_t *t = (time_t *)(seg + 64);
  printf("time sane %d\n", time(t) == *t);
}
static void c_mincore(void) {
  unsigned char *vec = (unsigned char *)seg;
  void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *(volatile char *)page = 1;
  SHOW("mincore", mincore(page, 4096, vec));
  printf("resident %d\n", vec[0] & 1);
  seg[8192] = 1;
  unsigned char v2;
  SHOW("mincore of the segment", mincore(seg + 8192, 4096, &v2));
  printf("resident %d\n", v2 & 1);
}
static void c_mlock(void) {
  seg[12288] = 1;
  SHOW("mlock", mlock(seg + 12288, 4096));
  SHOW("munlock", munlock(seg + 12288, 4096));
}
static void c_msgq(void) {
  int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  struct message {
    long type;
    char text[32];
  } *m = (struct message *)seg;
  m->type = 3;
  strcpy(m->text, "queued");
  SHOW("msgsnd", msgsnd(q, m, 7, 0));
  struct message *r = (struct message *)(seg + 256);
  SHOW("msgrcv", msgrcv(q, r, 32, 0, 0));
  printf("type %ld text %s\n", r->type, r->text);
  struct msqid_ds *ds = (struct msqid_ds *)(seg + 512);
  SHOW("msgctl IPC_STAT", msgctl(q, IPC_STAT, ds));
  printf("qnum %lu\n", (unsigned long)ds->msg_qnum);
  msgctl(q, IPC_RMID, NULL);
}
static void c_wait4(void) {
  flush();
  pid_t pid = fork();
  if (pid == 0)
    _exit(5);
  int *status = (int *)seg;
  struct rusage *u = (struct rusage *)(seg + 64);
  SHOW("wait4 is child", wait4(pid, status, 0, u) == pid);
  printf("status %d\n", WEXITSTATUS(*status));
  flush();
  pid = fork();
  if (pid == 0)
    _exit(6);
  siginfo_t *info = (siginfo_t *)(seg + 512);
  SHOW("waitid", waitid(P_PID, pid, info, WEXITED));
  printf("code %d status %d\n", info->si_code, info->si_status);
}
static void c_getgroups(void) {
  gid_t *g = (gid_t *)seg;
  int n = getgroups(64, g);
  gid_t ref[64];
  int m = getgroups(64, ref);
  printf("getgroups same %d\n", n == m && memcmp(g, ref, n * sizeof(gid_t)) == 0);
  uid_t *ids = (uid_t *)(seg + 512);
  SHOW("getresuid", getresuid(ids, ids + 1, ids + 2));
  printf("ruid %u\n", ids[0]);
}
static void c_timerfd(void) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec *t = (struct itimerspec *)seg;
  memset(t, 0, sizeof *t);
  t->it_value.tv_sec = 100;
  SHOW("timerfd_settime", timerfd_settime(fd, 0, t, t + 1));
  SHOW("timerfd_gettime", timerfd_gettime(fd, t + 2));
  printf("armed %d\n", t[2].it_value.tv_sec > 90);
  close(fd);
  struct itimerval *iv = (struct itimerval *)(seg + 256);
  SHOW("getitimer", getitimer(ITIMER_REAL, iv));
}
static void c_sched_param(void) {
  struct sched_param *p = (struct sched_param *)seg;
  SHOW("sched_getparam", sched_getparam(0, p));
  printf("priority %d\n", p->sched_priority);
  struct timespec *t = (struct timespec *)(seg + 64);
  SHOW("sched_rr_get_interval", sched_rr_get_interval(0, t));
}
static void c_arch_prctl(void) {
  unsigned long *fs = (unsigned long *)seg;
  SHOW("arch_prctl ARCH_GET_FS", syscall(SYS_arch_prctl, 0x1003, fs));
  unsigned long ref = 0;
  syscall(SYS_arch_prctl, 0x1003, &ref);
  printf("same %d\n", *fs == ref);
}
static void c_process_vm_readv(void) {
  static char source[32] = "from the heap";
  struct iovec *local = (struct iovec *)seg;
  struct iovec *remote = (struct iovec *)(seg + 64);
  local[0] = (struct iovec){seg + 1024, 13};
  remote[0] = (struct iovec){source, 13};
  SHOW("process_vm_readv", process_vm_readv(getpid(), local, 1, remote, 1, 0));
  printf("data %.13s\n", seg + 1024);
}
static void c_io_uring_setup(void) {
  struct io_uring_params *p = (struct io_uring_params *)seg;
  memset(p, 0, sizeof *p);
  long fd = syscall(SYS_io_uring_setup, 4, p);
  // Where io_uring is disabled the call fails alike with and without the
  // runtime; what matters is the same answer.
  printf("io_uring_setup ok %d errno %d\n", fd >= 0, fd < 0 ? errno : 0);
  if (fd >= 0) {
    printf("sq entries %u\n", p->sq_entries);
    close(fd);
  }
}
static void c_aio_read(void) {
  // Linux AIO reading a file into the segment: the kernel writes the
  // buffer after io_submit returned.
  char path[64];
  temp_file(path, "asynchronously");
  int fd = open(path, O_RDONLY);
  aio_context_t ctx = 0;
  long rc = syscall(SYS_io_setup, 4, &ctx);
  printf("io_setup %ld\n", rc);
  struct iocb cb;
  memset(&cb, 0, sizeof cb);
  cb.aio_lio_opcode = IOCB_CMD_PREAD;
  cb.aio_fildes = fd;
  cb.aio_buf = (uint64_t)(uintptr_t)(seg + 20000);
  cb.aio_nbytes = 14;
  struct iocb *list[1] = {&cb};
  SHOW("io_submit", syscall(SYS_io_submit, ctx, 1, list));
  struct io_event *events = (struct io_event *)(seg + 30000);
  SHOW("io_getevents", syscall(SYS_io_getevents, ctx, 1, 1, events, NULL));
  printf("res %lld data %.14s\n", (long long)events[0].res, seg + 20000);
  syscall(SYS_io_destroy, ctx);
  close(fd);
  unlink(path);
}
static void c_semop(void) {
  int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  struct sembuf *ops = (struct sembuf *)seg;
  ops[0] = (struct sembuf){0, 2, 0};
  SHOW("semop", semop(id, ops, 1));
  SHOW("semctl GETVAL", semctl(id, 0, GETVAL));
  semctl(id, 0, IPC_RMID);
}

// ---- sleeping and timed waits ---------------------------------------------

static void c_nanosleep(void) {
  struct timespec *t = (struct timespec *)seg;
  t[0] = (struct timespec){0, 1000000};
  SHOW("nanosleep", nanosleep(t, t + 1));
  SHOW("clock_nanosleep", clock_nanosleep(CLOCK_MONOTONIC, 0, t, t + 1));
  struct timespec *abs = t + 2;
  clock_gettime(CLOCK_MONOTONIC, abs);
  abs->tv_nsec += 1000000;
  if (abs->tv_nsec >= 1000000000) {
    abs->tv_sec++;
    abs->tv_nsec -= 1000000000;
  }
  SHOW("clock_nanosleep abs", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, abs, NULL));
}
static void c_futex_timeout(void) {
  static int word = 0;
  struct timespec *t = (struct timespec *)seg;
  *t = (struct timespec){0, 5000000};
  SHOW("futex wait timeout", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, t, NULL, 0));
  // The word itself in the segment, process-private.
  int *w = (int *)(seg + 64);
  *w = 1;
  SHOW("futex wait value changed", syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, 0, t, NULL, 0));
  SHOW("futex wait in segment", syscall(SYS_futex, w, FUTEX_WAIT, 1, t, NULL, 0));
  SHOW("futex wake in segment", syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0));
}
static void c_mutex_timedlock(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  struct timespec *t = (struct timespec *)seg;
  *t = deadline_in(10);
  SHOW_RC("pthread_mutex_timedlock", pthread_mutex_timedlock(&m, t));
}
static void c_cond_timedwait(void) {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  struct timespec *t = (struct timespec *)(seg + 32);
  *t = deadline_in(10);
  SHOW_RC("pthread_cond_timedwait", pthread_cond_timedwait(&c, &m, t));
  pthread_mutex_unlock(&m);
}
static void c_sem_timedwait(void) {
  sem_t s;
  sem_init(&s, 0, 0);
  struct timespec *t = (struct timespec *)(seg + 64);
  *t = deadline_in(10);
  SHOW("sem_timedwait", sem_timedwait(&s, t));
}
static void c_rwlock_timedwrlock(void) {
  pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
  pthread_rwlock_rdlock(&l);
  struct timespec *t = (struct timespec *)(seg + 96);
  *t = deadline_in(10);
  SHOW_RC("pthread_rwlock_timedwrlock", pthread_rwlock_timedwrlock(&l, t));
}

static int cancel_pipe[2];
static void *blocked_in_read(void *arg) {
  (void)arg;
  read(cancel_pipe[0], seg + 8192, 16);  // never returns: cancelled
  return NULL;
}
static void *blocked_in_poll(void *arg) {
  (void)arg;
  struct pollfd *fds = (struct pollfd *)(seg + 9000);
  fds[0] = (struct pollfd){cancel_pipe[0], POLLIN, 0};
  poll(fds, 1, -1);
  return NULL;
}
static void c_cancel_blocked(void) {
  pipe(cancel_pipe);
  void *(*bodies[2])(void *) = {blocked_in_read, blocked_in_poll};
  for (int i = 0; i < 2; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, bodies[i], NULL);
    struct timespec pause_ = {0, 50 * 1000000};
    nanosleep(&pause_, NULL);
    SHOW_RC("pthread_cancel", pthread_cancel(t));
    void *result = NULL;
    pthread_join(t, &result);
    printf("cancelled %d\n", result == PTHREAD_CANCELED);
  }
}

// ---- stdio ---------------------------------------------------------------

static void c_fread_large(void) {
  char path[64];
  temp_file(path, NULL);
  FILE *f = fopen(path, "w");
  for (int i = 0; i < 100000; ++i)
    fputc('a' + i % 26, f);
  fclose(f);
  f = fopen(path, "r");
  size_t n = fread(seg, 1, 100000, f);
  printf("fread %zu last %c\n", n, seg[99999]);
  printf("fclose %d\n", fclose(f));
  unlink(path);
}
static void c_fwrite_large(void) {
  char path[64];
  temp_file(path, NULL);
  for (int i = 0; i < 100000; ++i)
    seg[i] = 'A' + i % 26;
  FILE *f = fopen(path, "w");
  printf("fwrite %zu\n", fwrite(seg, 1, 100000, f));
  seg[200000] = 0;
  memcpy(seg + 199990, "tail-line\n", 10);
  printf("fputs %d\n", fputs(seg + 199990, f) >= 0);
  printf("fclose %d\n", fclose(f));
  struct stat st;
  stat(path, &st);
  printf("size %ld\n", (long)st.st_size);
  unlink(path);
}
static void c_setvbuf(void) {
  char path[64];
  temp_file(path, "line one\nline two\n");
  FILE *f = fopen(path, "r");
  SHOW_RC("setvbuf", setvbuf(f, seg + 65536, _IOFBF, 8192));
  char line[64];
  while (fgets(line, sizeof line, f))
    printf("got %s", line);
  fclose(f);
  f = fopen(path, "w");
  setvbuf(f, seg + 65536, _IOFBF, 8192);
  fprintf(f, "written %d\n", 42);
  fclose(f);
  f = fopen(path, "r");
  printf("back %s", fgets(line, sizeof line, f));
  fclose(f);
  unlink(path);
}

// ---- stacks and instruction forms --------------------------------------------

static void *thread_body(void *arg) {
  volatile char local[1024];
  for (int i = 0; i < 1024; ++i)
    local[i] = (char)i;
  struct timespec t = {0, 1000};
  nanosleep(&t, NULL);
  return (void *)(long)(local[100] + (long)arg);
}
static void c_thread_stack(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  // The stack occupies the second half of the segment.
  SHOW_RC("setstack", pthread_attr_setstack(&attr, seg + SEGMENT_SIZE / 2, SEGMENT_SIZE / 2));
  pthread_t t;
  SHOW_RC("pthread_create", pthread_create(&t, &attr, thread_body, (void *)1));
  void *result = NULL;
  SHOW_RC("pthread_join", pthread_join(t, &result));
  printf("result %ld\n", (long)result);
}
static ucontext_t main_context, segment_context;
static void on_segment_stack(void) {
  volatile char local[256];
  local[0] = 7;
  printf("running on the segment %d\n", (char *)&local > seg && (char *)&local < seg + SEGMENT_SIZE);
  flush();
}
static void c_makecontext_stack(void) {
  getcontext(&segment_context);
  segment_context.uc_stack.ss_sp = seg + 65536;
  segment_context.uc_stack.ss_size = 65536;
  segment_context.uc_link = &main_context;
  makecontext(&segment_context, on_segment_stack, 0);
  SHOW("swapcontext", swapcontext(&main_context, &segment_context));
  printf("back\n");
}
// The program's own alternate stack: set, queried through libc and raw,
// refused when too small or with bad flags, disabled. The runtime's own
// stack never shows.
static void c_altstack_own(void) {
  static char own[65536];
  stack_t q;
  SHOW("query", sigaltstack(NULL, &q));
  printf("flags %d sp null %d size %zu\n", q.ss_flags, q.ss_sp == NULL,
         q.ss_size);
  SHOW("raw query", syscall(SYS_sigaltstack, NULL, &q));
  printf("flags %d sp null %d size %zu\n", q.ss_flags, q.ss_sp == NULL,
         q.ss_size);
  stack_t ss = {own, 0, sizeof own};
  SHOW("set", sigaltstack(&ss, NULL));
  SHOW("query", sigaltstack(NULL, &q));
  printf("same sp %d size %zu flags %d\n", q.ss_sp == own, q.ss_size,
         q.ss_flags);
  SHOW("raw query", syscall(SYS_sigaltstack, NULL, &q));
  printf("same sp %d size %zu flags %d\n", q.ss_sp == own, q.ss_size,
         q.ss_flags);
  stack_t small = {own, 0, 1024};
  SHOW("too small", sigaltstack(&small, NULL));
  stack_t bad = {own, 0x40, sizeof own};
  SHOW("bad flags", sigaltstack(&bad, NULL));
  stack_t off = {NULL, SS_DISABLE, 0};
  SHOW("disable", sigaltstack(&off, &q));
  printf("old same sp %d\n", q.ss_sp == own);
  SHOW("query", sigaltstack(NULL, &q));
  printf("flags %d sp null %d size %zu\n", q.ss_flags, q.ss_sp == NULL,
         q.ss_size);
  SHOW("disable again", sigaltstack(&off, NULL));
  SHOW("raw set", syscall(SYS_sigaltstack, &ss, NULL));
  SHOW("query", sigaltstack(NULL, &q));
  printf("same sp %d\n", q.ss_sp == own);
  seg[7] = 'x';
  printf("segment %c\n", seg[7]);
}

// A handler with SA_ONSTACK runs on the program's own alternate stack and
// sees itself on it; so does the SIGSEGV handler of a thread that overflows
// its stack, which leaves with siglongjmp.
static char usr1_stack[65536];
static volatile int usr1_on_own, usr1_sees_onstack;
static void on_usr1_own_stack(int sig) {
  volatile char here;
  stack_t q;
  (void)sig;
  usr1_on_own = (char *)&here > usr1_stack &&
                (char *)&here < usr1_stack + sizeof usr1_stack;
  usr1_sees_onstack =
      sigaltstack(NULL, &q) == 0 && (q.ss_flags & SS_ONSTACK) != 0;
}
static char overflow_stack[65536];
static sigjmp_buf overflow_jump;
static volatile int overflow_on_own;
static void on_overflow(int sig, siginfo_t *info, void *context) {
  volatile char here;
  (void)sig, (void)info, (void)context;
  overflow_on_own = (char *)&here > overflow_stack &&
                    (char *)&here < overflow_stack + sizeof overflow_stack;
  siglongjmp(overflow_jump, 1);
}
__attribute__((noinline)) static int recurse(int n) {
  volatile char pad[1024];
  pad[0] = (char)n;
  return recurse(n + 1) + pad[0];
}
static void *overflowing_thread(void *arg) {
  (void)arg;
  stack_t ss = {overflow_stack, 0, sizeof overflow_stack};
  sigaltstack(&ss, NULL);
  if (sigsetjmp(overflow_jump, 1) == 0)
    recurse(0);
  return (void *)1;
}
static void c_altstack_handler(void) {
  stack_t ss = {usr1_stack, 0, sizeof usr1_stack};
  SHOW("set", sigaltstack(&ss, NULL));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1_own_stack;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("usr1 on its stack %d sees SS_ONSTACK %d\n", usr1_on_own,
         usr1_sees_onstack);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_overflow;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  void *result = NULL;
  pthread_create(&t, &attr, overflowing_thread, NULL);
  pthread_join(t, &result);
  pthread_attr_destroy(&attr);
  printf("overflow recovered %d on its stack %d\n", result != NULL,
         overflow_on_own);
  seg[5] = 'y';
  printf("segment %c\n", seg[5]);
}

// A thread whose stack is all but used up touches the segment: the trapped
// access is handled on the runtime's own stack, not this one.
static volatile int exhausted_read;
__attribute__((noinline)) static void touch_segment_now(void) {
  seg[100] = 7;
  exhausted_read = seg[100] + seg[101];
}
static void *exhausted_thread(void *arg) {
  pthread_attr_t attr;
  void *low = NULL;
  size_t size = 0;
  (void)arg;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &low, &size);
  pthread_attr_destroy(&attr);
  volatile char here;
  size_t left = (size_t)((char *)&here - (char *)low);
  volatile char *pad = alloca(left - 1536);
  pad[0] = 1;
  touch_segment_now();
  return (void *)(uintptr_t)pad[0];
}
static void c_exhausted_stack(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  pthread_t t;
  void *result = NULL;
  SHOW_RC("create", pthread_create(&t, &attr, exhausted_thread, NULL));
  SHOW_RC("join", pthread_join(t, &result));
  pthread_attr_destroy(&attr);
  printf("thread result %ld read %d\n", (long)result, exhausted_read);
}

// A handler with SA_ONSTACK while the program has no alternate stack of its
// own touches the segment: under the runtime it runs on the runtime's
// stack, and its trapped access is taken further down that stack.
static volatile int onstack_touch_read;
static void on_usr2_touch(int sig) {
  (void)sig;
  seg[200] = 9;
  onstack_touch_read = seg[200];
}
static void c_onstack_handler_touch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr2_touch;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  stack_t q;
  SHOW("query", sigaltstack(NULL, &q));
  printf("read %d flags %d\n", onstack_touch_read, q.ss_flags);
}

// The fast path of calls without memory arguments: lseek, fdatasync, kill
// (to itself, with a handler that reads into the segment: a call made from
// a handler the fast path's call delivered).
static int kill_pipe[2];
static volatile long kill_handler_read;
static void on_usr1_read(int sig) {
  (void)sig;
  kill_handler_read = read(kill_pipe[0], seg + 300, 5);
}
static void c_server_calls(void) {
  char path[64];
  temp_file(path, "0123456789");
  int fd = open(path, O_RDWR);
  SHOW("lseek end", lseek(fd, 0, SEEK_END));
  SHOW("lseek set", lseek(fd, 3, SEEK_SET));
  SHOW("read", read(fd, seg, 4));
  printf("data %.4s\n", seg);
  SHOW("lseek bad whence", lseek(fd, 0, 99));
  SHOW("lseek bad fd", lseek(-1, 0, SEEK_SET));
  SHOW("fdatasync", fdatasync(fd));
  SHOW("fdatasync bad fd", fdatasync(-1));
  close(fd);
  unlink(path);
  SHOW("pipe", pipe(kill_pipe));
  SHOW("write", write(kill_pipe[1], "hello", 5));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1_read;
  sigaction(SIGUSR1, &sa, NULL);
  SHOW("kill 0", kill(getpid(), 0));
  SHOW("kill usr1", kill(getpid(), SIGUSR1));
  printf("handler read %ld data %.5s\n", kill_handler_read, seg + 300);
  SHOW("kill bad signal", kill(getpid(), 1000));
}

static void c_pop_to_segment(void) {
  // pop to segment memory at every alignment of the destination and two
  // alignments of the stack.
  for (int shift = 0; shift < 2; ++shift)
    for (int off = 0; off < 16; ++off) {
      uint64_t *dst = (uint64_t *)(seg + 256 + off);
      const uint64_t value = 0x1122334455667700ull + off;
      if (shift)
        __asm__ volatile("subq $8, %%rsp\n\tpushq %1\n\tpopq (%0)\n\taddq $8, %%rsp"
                         : : "r"(dst), "r"(value) : "memory");
      else
        __asm__ volatile("pushq %1\n\tpopq (%0)" : : "r"(dst), "r"(value) : "memory");
      uint64_t got;
      memcpy(&got, dst, 8);
      if (got != value)
        printf("pop mismatch shift %d off %d\n", shift, off);
    }
  printf("pop done\n");
  uint64_t *src = (uint64_t *)(seg + 512);
  *src = 99;
  uint64_t out = 0;
  __asm__ volatile("pushq (%1)\n\tpopq %0" : "=r"(out) : "r"(src) : "memory");
  printf("push from segment %lu\n", (unsigned long)out);
}

// A thread that exists before the process attaches its first segment
// (armed later, by a signal) makes calls into the segment.
static char *attach(const char *kind);
static const char *segment_kind;
static int early_pipe[2];
static void *early_thread(void *arg) {
  (void)arg;
  char *target = NULL;
  if (read(early_pipe[0], &target, sizeof target) != sizeof target)
    return (void *)1;
  struct stat *st = (struct stat *)target;
  long rc = stat("/etc/passwd", st);
  struct timespec *t = (struct timespec *)(target + 256);
  long rc2 = clock_gettime(CLOCK_THREAD_CPUTIME_ID, t);
  printf("early thread stat %ld size ok %d clock %ld\n", rc,
         rc == 0 && st->st_size > 0, rc2);
  return NULL;
}
static void c_thread_before_attach(void) {
  pipe(early_pipe);
  pthread_t t;
  pthread_create(&t, NULL, early_thread, NULL);
  struct timespec pause_ = {0, 20 * 1000000};
  nanosleep(&pause_, NULL);
  seg = attach(segment_kind);
  nanosleep(&pause_, NULL);
  write(early_pipe[1], &seg, sizeof seg);
  void *result = (void *)2;
  pthread_join(t, &result);
  printf("joined %ld\n", (long)result);
}

// ---------------------------------------------------------------------------

struct Case {
  const char *name;
  void (*run)(void);
};

#define C(name) {#name, c_##name}
static const struct Case cases[] = {
    C(stat), C(lstat), C(fstat), C(fstatat), C(statx), C(path_stat),
    C(path_open), C(path_access), C(getdents64), C(readlink), C(getcwd),
    C(utimensat), C(fcntl_getlk), C(execve), C(pipe), C(pipe2),
    C(read_write), C(readv_writev), C(pread_pwrite), C(preadv2_pwritev2),
    C(vmsplice), C(splice), C(sendfile), C(socketpair), C(ioctl_fionread),
    C(getsockopt), C(scm_rights), C(mmsg), C(unix_addresses),
    C(sendto_recvfrom), C(poll), C(ppoll), C(select), C(pselect), C(epoll),
    C(sigprocmask), C(pthread_sigmask), C(sigpending), C(sigaltstack),
    C(sigaction), C(altstack_in_segment), C(signalfd), C(uname), C(getrandom),
    C(sched_getaffinity), C(prctl_name), C(getrusage), C(getrlimit),
    C(sysinfo), C(times), C(clock_cpu), C(gettimeofday), C(mincore),
    C(mlock), C(msgq), C(wait4), C(getgroups), C(timerfd), C(sched_param),
    C(arch_prctl), C(process_vm_readv), C(io_uring_setup), C(aio_read), C(semop),
    C(nanosleep), C(futex_timeout), C(mutex_timedlock), C(cond_timedwait),
    C(sem_timedwait), C(rwlock_timedwrlock), C(cancel_blocked), C(fread_large),
    C(fwrite_large), C(setvbuf), C(thread_before_attach), C(thread_stack), C(makecontext_stack),
    C(pop_to_segment), C(altstack_own), C(altstack_handler),
    C(exhausted_stack), C(onstack_handler_touch),
    C(server_calls),
};

static char *attach(const char *kind) {
  if (strcmp(kind, "sysv") == 0) {
    int id = shmget(IPC_PRIVATE, SEGMENT_SIZE, IPC_CREAT | 0600);
    if (id < 0)
      return NULL;
    char *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    return p == (char *)-1 ? NULL : p;
  }
  char name[64];
  snprintf(name, sizeof name, "/syscall_cases.%d", getpid());
  int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0)
    return NULL;
  shm_unlink(name);
  if (ftruncate(fd, SEGMENT_SIZE) != 0)
    return NULL;
  char *p = mmap(NULL, SEGMENT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv) {
  const size_t n = sizeof cases / sizeof cases[0];
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; ++i)
      printf("%s\n", cases[i].name);
    return 0;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: %s --list | sysv|posix CASE\n", argv[0]);
    return 2;
  }
  segment_kind = argv[1];
  for (size_t i = 0; i < n; ++i)
    if (strcmp(cases[i].name, argv[2]) == 0) {
      if (cases[i].run == c_thread_before_attach) {
        cases[i].run();  // attaches by itself
        return 0;
      }
      seg = attach(argv[1]);
      if (seg == NULL) {
        perror("attach");
        return 3;
      }
      cases[i].run();
      return 0;
    }
  fprintf(stderr, "no case %s\n", argv[2]);
  return 2;
}
