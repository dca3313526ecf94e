/* Hand-offs that the kernel orders: the parent fills the segment, then
 * passes a message (or a signal, or a futex wake-up) to the child, which
 * reads the segment after it received it.
 *
 *   kernel_handoffs KIND sync   the payload is written before the hand-off:
 *                               no report;
 *   kernel_handoffs KIND racy   the same hand-off, with the payload written
 *                               after it: reported (write and read).
 *
 * KIND: pipe fifo unix_stream unix_dgram unix_named tcp udp eventfd
 * posix_mq sysv_msg kill sigqueue tgkill sigwait signalfd futex sigchld
 * waitid. Each kind's send and receive are in the table below; everything
 * else is shared. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/msg.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "e2e_util.h"

struct shared {
  long payload[4];
  int futex_word;
};

static struct shared *seg;

/* What both ends of a kind need, set up before fork. */
static struct {
  int fds[2];
  int listener;
  struct sockaddr_in address;
  char name[128];
  mqd_t queue;
  int msqid;
  pid_t child;
  sigset_t mask;
} ch;

static volatile sig_atomic_t delivered;

static void on_signal(int sig) {
  (void)sig;
  delivered = 1;
}

static void write_payload(void) {
  for (int i = 0; i < 4; ++i)
    seg->payload[i] = 10 * (i + 1); /* the payload write */
}

static long read_payload(void) {
  long sum = 0;
  for (int i = 0; i < 4; ++i)
    sum += seg->payload[i]; /* the payload read */
  return sum;
}

static void check(int ok, const char *what) {
  if (!ok)
    die(what);
}

/* --- one row per kind: prepare (parent, before fork), send (parent),
 * receive (child), finish (parent, after the child ended) --------------- */

static void pipe_prepare(void) { check(pipe(ch.fds) == 0, "pipe"); }
static void pipe_send(void) { check(write(ch.fds[1], "x", 1) == 1, "write"); }
static void pipe_receive(void) {
  char c;
  check(read(ch.fds[0], &c, 1) == 1, "read");
}

static void fifo_prepare(void) {
  char name[96];
  test_name(name, sizeof name, "fifo");
  snprintf(ch.name, sizeof ch.name, "/tmp%s", name);
  check(mkfifo(ch.name, 0600) == 0, "mkfifo");
  /* Both ends opened before fork, so that neither open blocks. */
  ch.fds[0] = open(ch.name, O_RDONLY | O_NONBLOCK);
  ch.fds[1] = open(ch.name, O_WRONLY);
  check(ch.fds[0] >= 0 && ch.fds[1] >= 0, "open fifo");
  unlink(ch.name);
  fcntl(ch.fds[0], F_SETFL, 0);
}

static void stream_pair_prepare(void) {
  check(socketpair(AF_UNIX, SOCK_STREAM, 0, ch.fds) == 0, "socketpair");
}
static void dgram_pair_prepare(void) {
  check(socketpair(AF_UNIX, SOCK_DGRAM, 0, ch.fds) == 0, "socketpair");
}
static void socket_send(void) { check(send(ch.fds[1], "x", 1, 0) == 1, "send"); }
static void socket_receive(void) {
  char c;
  check(recv(ch.fds[0], &c, 1, 0) == 1, "recv");
}

/* A datagram to a bound abstract name, sent with sendto. */
static struct sockaddr_un unix_name(void) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  char name[96];
  test_name(name, sizeof name, "dgram");
  snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "%s", name);
  return a;
}
static void unix_named_prepare(void) {
  struct sockaddr_un a = unix_name();
  ch.fds[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
  ch.fds[1] = socket(AF_UNIX, SOCK_DGRAM, 0);
  check(bind(ch.fds[0], (struct sockaddr *)&a, sizeof a) == 0, "bind");
}
static void unix_named_send(void) {
  struct sockaddr_un a = unix_name();
  check(sendto(ch.fds[1], "x", 1, 0, (struct sockaddr *)&a, sizeof a) == 1, "sendto");
}

static void tcp_prepare(void) {
  ch.listener = socket(AF_INET, SOCK_STREAM, 0);
  ch.address.sin_family = AF_INET;
  ch.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof ch.address;
  check(bind(ch.listener, (struct sockaddr *)&ch.address, sizeof ch.address) == 0 &&
            getsockname(ch.listener, (struct sockaddr *)&ch.address, &length) == 0 &&
            listen(ch.listener, 1) == 0, "listen");
  ch.fds[1] = socket(AF_INET, SOCK_STREAM, 0);
  check(connect(ch.fds[1], (struct sockaddr *)&ch.address, sizeof ch.address) == 0, "connect");
  ch.fds[0] = accept(ch.listener, NULL, NULL);
  check(ch.fds[0] >= 0, "accept");
}

static void udp_prepare(void) {
  ch.fds[0] = socket(AF_INET, SOCK_DGRAM, 0);
  ch.fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
  ch.address.sin_family = AF_INET;
  ch.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof ch.address;
  check(bind(ch.fds[0], (struct sockaddr *)&ch.address, sizeof ch.address) == 0 &&
            getsockname(ch.fds[0], (struct sockaddr *)&ch.address, &length) == 0, "bind");
}
static void udp_send(void) {
  check(sendto(ch.fds[1], "x", 1, 0, (struct sockaddr *)&ch.address, sizeof ch.address) == 1,
        "sendto");
}

static void eventfd_prepare(void) {
  ch.fds[0] = eventfd(0, 0);
  check(ch.fds[0] >= 0, "eventfd");
}
static void eventfd_send(void) { check(eventfd_write(ch.fds[0], 1) == 0, "eventfd_write"); }
static void eventfd_receive(void) {
  eventfd_t value;
  check(eventfd_read(ch.fds[0], &value) == 0, "eventfd_read");
}

static void mq_prepare(void) {
  test_name(ch.name, sizeof ch.name, "queue");
  struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 8};
  ch.queue = mq_open(ch.name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  check(ch.queue != (mqd_t)-1, "mq_open");
  mq_unlink(ch.name);
}
static void mq_send_one(void) { check(mq_send(ch.queue, "x", 1, 0) == 0, "mq_send"); }
static void mq_receive_one(void) {
  char message[8];
  check(mq_receive(ch.queue, message, sizeof message, NULL) == 1, "mq_receive");
}

struct message {
  long type;
  char text[8];
};
static void msg_prepare(void) {
  ch.msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  check(ch.msqid >= 0, "msgget");
}
static void msg_send(void) {
  struct message m = {.type = 1, .text = "x"};
  check(msgsnd(ch.msqid, &m, sizeof m.text, 0) == 0, "msgsnd");
}
static void msg_receive(void) {
  struct message m;
  check(msgrcv(ch.msqid, &m, sizeof m.text, 0, 0) >= 0, "msgrcv");
}
static void msg_finish(void) { msgctl(ch.msqid, IPC_RMID, NULL); }

/* Signals: SIGUSR1 is blocked before fork; the child takes it with a
 * handler (sigsuspend), sigwait or a signalfd. */
static void signal_prepare(void) {
  struct sigaction action = {.sa_handler = on_signal};
  sigemptyset(&action.sa_mask);
  check(sigaction(SIGUSR1, &action, NULL) == 0, "sigaction");
  sigemptyset(&ch.mask);
  sigaddset(&ch.mask, SIGUSR1);
  check(sigprocmask(SIG_BLOCK, &ch.mask, NULL) == 0, "sigprocmask");
}
static void kill_send(void) { check(kill(ch.child, SIGUSR1) == 0, "kill"); }
static void sigqueue_send(void) {
  union sigval value = {.sival_int = 1};
  check(sigqueue(ch.child, SIGUSR1, value) == 0, "sigqueue");
}
static void tgkill_send(void) {
  check(syscall(SYS_tgkill, ch.child, ch.child, SIGUSR1) == 0, "tgkill");
}
static void handler_receive(void) {
  sigset_t open;
  sigemptyset(&open);
  while (!delivered)
    sigsuspend(&open);
}
static void sigwait_receive(void) {
  int sig = 0;
  check(sigwait(&ch.mask, &sig) == 0 && sig == SIGUSR1, "sigwait");
}
static void signalfd_receive(void) {
  int fd = signalfd(-1, &ch.mask, 0);
  struct signalfd_siginfo info;
  check(fd >= 0 && read(fd, &info, sizeof info) == sizeof info, "signalfd");
  close(fd);
}

/* A futex word in the segment: woken until a waiter was there to wake. */
static void futex_send(void) {
  while (syscall(SYS_futex, &seg->futex_word, FUTEX_WAKE, 1, NULL, NULL, 0) != 1)
    usleep(1000);
}
static void futex_receive(void) {
  struct timespec tick = {0, 10 * 1000 * 1000};
  while (syscall(SYS_futex, &seg->futex_word, FUTEX_WAIT, 0, &tick, NULL, 0) != 0) {
  }
}

/* The child is the sender: it exits, and the parent takes its SIGCHLD in a
 * handler (or waitid) before it reads. */
static void sigchld_prepare(void) {
  struct sigaction action = {.sa_handler = on_signal};
  sigemptyset(&action.sa_mask);
  check(sigaction(SIGCHLD, &action, NULL) == 0, "sigaction");
  sigemptyset(&ch.mask);
  sigaddset(&ch.mask, SIGCHLD);
  check(sigprocmask(SIG_BLOCK, &ch.mask, NULL) == 0, "sigprocmask");
}
static void exit_send(void) {}
static void sigchld_receive(void) { handler_receive(); }
static void waitid_receive(void) {
  siginfo_t info;
  check(waitid(P_PID, ch.child, &info, WEXITED | WNOWAIT) == 0, "waitid");
}

static void nothing(void) {}

struct kind {
  const char *name;
  void (*prepare)(void);
  void (*send)(void);
  void (*receive)(void);
  void (*finish)(void);
  int child_sends; /* the child writes the payload and exits; the parent reads */
};

static const struct kind kinds[] = {
    {"pipe", pipe_prepare, pipe_send, pipe_receive, nothing, 0},
    {"fifo", fifo_prepare, pipe_send, pipe_receive, nothing, 0},
    {"unix_stream", stream_pair_prepare, socket_send, socket_receive, nothing, 0},
    {"unix_dgram", dgram_pair_prepare, socket_send, socket_receive, nothing, 0},
    {"unix_named", unix_named_prepare, unix_named_send, socket_receive, nothing, 0},
    {"tcp", tcp_prepare, socket_send, socket_receive, nothing, 0},
    {"udp", udp_prepare, udp_send, socket_receive, nothing, 0},
    {"eventfd", eventfd_prepare, eventfd_send, eventfd_receive, nothing, 0},
    {"posix_mq", mq_prepare, mq_send_one, mq_receive_one, nothing, 0},
    {"sysv_msg", msg_prepare, msg_send, msg_receive, msg_finish, 0},
    {"kill", signal_prepare, kill_send, handler_receive, nothing, 0},
    {"sigqueue", signal_prepare, sigqueue_send, handler_receive, nothing, 0},
    {"tgkill", signal_prepare, tgkill_send, handler_receive, nothing, 0},
    {"sigwait", signal_prepare, kill_send, sigwait_receive, nothing, 0},
    {"signalfd", signal_prepare, kill_send, signalfd_receive, nothing, 0},
    {"futex", nothing, futex_send, futex_receive, nothing, 0},
    {"sigchld", sigchld_prepare, exit_send, sigchld_receive, nothing, 1},
    {"waitid", nothing, exit_send, waitid_receive, nothing, 1},
};

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: kernel_handoffs KIND sync|racy");
  const struct kind *k = NULL;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; ++i)
    if (strcmp(kinds[i].name, argv[1]) == 0)
      k = &kinds[i];
  if (k == NULL)
    die("unknown kind");
  const int racy = strcmp(argv[2], "racy") == 0;
  seg = new_segment(sizeof *seg, NULL);
  k->prepare();
  if (k->child_sends) {
    /* The child writes and exits; racy: the parent reads before it knows. */
    ch.child = fork_or_die();
    if (ch.child == 0) {
      if (racy)
        usleep(100 * 1000);
      write_payload();
      _exit(0);
    }
    long sum = racy ? read_payload() : 0;
    k->receive();
    if (!racy)
      sum = read_payload();
    int status = wait_child(ch.child);
    printf("%s: child %d, sum %s\n", k->name, status == 66 ? 0 : status,
           racy || sum == 100 ? "ok" : "wrong");
    return 0;
  }
  ch.child = fork_or_die();
  if (ch.child == 0) {
    k->receive();
    long sum = read_payload();
    _exit(sum == 100 || racy ? 0 : 1);
  }
  if (!racy)
    write_payload();
  k->send();
  if (racy)
    write_payload();
  int status = wait_child(ch.child);
  k->finish();
  printf("%s: child %d\n", k->name, status == 66 ? 0 : status);
  return 0;
}
