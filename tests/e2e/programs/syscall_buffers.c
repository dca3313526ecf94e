/* System calls whose buffers lie in the segment must behave exactly as
 * without the runtime (no EFAULT, nothing lost): read/write through a pipe,
 * pread/pwrite on a file, readv/writev mixing segment and stack buffers,
 * recv/send/recvmsg/sendmsg on a socket pair, a semop whose operation array
 * lives in the segment, shmctl(IPC_STAT) into the segment, and waitpid
 * storing its status there. Prints what it saw; the driver compares the
 * output with a run without the runtime. */
#include <errno.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "e2e_util.h"

#define BYTES 6000 /* spans two pages */

struct shared {
  unsigned char out[BYTES];
  unsigned char in[BYTES];
  struct sembuf ops[1];
  struct shmid_ds stat;
  int status;
};

static unsigned checksum(const unsigned char *p, size_t n) {
  unsigned sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum = sum * 31 + p[i];
  return sum;
}

static void report(const char *what, long rc, const unsigned char *p, size_t n) {
  printf("%-9s rc=%ld errno=%s checksum=%08x\n", what, rc,
         rc < 0 ? strerror(errno) : "-", checksum(p, n));
}

static void fill(struct shared *seg, int salt) {
  for (int i = 0; i < BYTES; ++i)
    seg->out[i] = (unsigned char)(i * 7 + salt);
  memset(seg->in, 0, BYTES);
}

int main(void) {
  int shmid;
  struct shared *seg = new_segment(sizeof *seg, &shmid);
  int fds[2];

  /* read/write through a pipe, in two halves to stay under the pipe size */
  fill(seg, 1);
  if (pipe(fds) != 0)
    die("pipe");
  long w = write(fds[1], seg->out, BYTES / 2);
  long r = read(fds[0], seg->in, BYTES / 2);
  w += write(fds[1], seg->out + BYTES / 2, BYTES / 2);
  r += read(fds[0], seg->in + BYTES / 2, BYTES / 2);
  report("write", w, seg->out, BYTES);
  report("read", r, seg->in, BYTES);
  close(fds[0]);
  close(fds[1]);

  /* pwrite/pread on an unlinked temporary file */
  fill(seg, 2);
  FILE *file = tmpfile();
  if (!file)
    die("tmpfile");
  int fd = fileno(file);
  report("pwrite", pwrite(fd, seg->out, BYTES, 100), seg->out, BYTES);
  report("pread", pread(fd, seg->in, BYTES, 100), seg->in, BYTES);

  /* readv/writev with one piece in the segment and one on the stack */
  unsigned char local[300];
  memset(local, 0x5a, sizeof local);
  struct iovec wv[2] = {{seg->out, 1000}, {local, sizeof local}};
  report("writev", pwritev(fd, wv, 2, 0), seg->out, 1000);
  memset(local, 0, sizeof local);
  struct iovec rv[2] = {{local, sizeof local}, {seg->in, 1000}};
  report("readv", preadv(fd, rv, 2, 0), seg->in, 1000);
  printf("local     checksum=%08x\n", checksum(local, sizeof local));
  fclose(file);

  /* send/recv and sendmsg/recvmsg on a socket pair */
  fill(seg, 3);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    die("socketpair");
  report("send", send(fds[0], seg->out, 2000, 0), seg->out, 2000);
  report("recv", recv(fds[1], seg->in, 2000, MSG_WAITALL), seg->in, 2000);
  struct iovec mv = {seg->out + 2000, 2000};
  struct msghdr msg = {0};
  msg.msg_iov = &mv;
  msg.msg_iovlen = 1;
  report("sendmsg", sendmsg(fds[0], &msg, 0), seg->out + 2000, 2000);
  struct iovec iv = {seg->in + 2000, 2000};
  msg.msg_iov = &iv;
  report("recvmsg", recvmsg(fds[1], &msg, MSG_WAITALL), seg->in + 2000, 2000);
  close(fds[0]);
  close(fds[1]);

  /* semop reading its operations from the segment */
  int semid = semget(test_key(1), 1, IPC_CREAT | IPC_EXCL | 0600);
  if (semid == -1)
    die("semget");
  seg->ops[0].sem_num = 0;
  seg->ops[0].sem_op = 2;
  seg->ops[0].sem_flg = 0;
  int rc = semop(semid, seg->ops, 1);
  printf("semop     rc=%d value=%d\n", rc, semctl(semid, 0, GETVAL));
  semctl(semid, 0, IPC_RMID);

  /* shmctl writing its result into the segment */
  rc = shmctl(shmid, IPC_STAT, &seg->stat);
  printf("shmctl    rc=%d size=%zu attached=%lu\n", rc,
         (size_t)seg->stat.shm_segsz, (unsigned long)seg->stat.shm_nattch);

  /* waitpid storing the status in the segment */
  pid_t child = fork_or_die();
  if (child == 0) {
    shmdt(seg);
    _exit(7);
  }
  pid_t reaped = waitpid(child, &seg->status, 0);
  printf("waitpid   ok=%d status=%d\n", reaped == child,
         WIFEXITED(seg->status) ? WEXITSTATUS(seg->status) : -1);
  shmdt(seg);
  return 0;
}
