// Where the shared state lives when another user planted its name: a
// private name that every process of the user computes alike and that the
// other user cannot predict. Names are planted for real in /dev/shm by a
// child that became "nobody" (needs root; skipped otherwise).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keyed_hash.h"
#include "state_location.h"

namespace shmcheck::core {
namespace {

constexpr uid_t kNobody = 65534;

// The published SipHash-2-4 test vectors: key 00..0f, message 00..(n-1).
TEST(KeyedHash, MatchesTheReferenceVectors) {
  const HashKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  unsigned char message[64];
  for (int i = 0; i < 64; ++i) message[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(keyed_hash(key, message, 0), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(keyed_hash(key, message, 1), 0x74f839c593dc67fdull);
  EXPECT_EQ(keyed_hash(key, message, 8), 0x93f5f5799a932462ull);
  EXPECT_EQ(keyed_hash(key, message, 15), 0xa129ca6149be45e5ull);
  EXPECT_EQ(keyed_hash(key, message, 63), 0x958a324ceb064572ull);
}

class StateLocation : public ::testing::Test {
 protected:
  void SetUp() override {
    session_ = "loc-" + std::to_string(getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    char dir[] = "/tmp/shmcheck-location-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    home_ = dir;
    ASSERT_EQ(chmod(home_.c_str(), 0700), 0);
    saved_home_ = getenv("HOME") ? getenv("HOME") : "";
    saved_runtime_dir_ = getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "";
    setenv("HOME", home_.c_str(), 1);
    unsetenv("XDG_RUNTIME_DIR");
  }

  void TearDown() override {
    for (const std::string &name : planted_) unlink(("/dev/shm" + name).c_str());
    unlink((home_ + "/.shmcheck-state-key").c_str());
    rmdir(home_.c_str());
    setenv("HOME", saved_home_.c_str(), 1);
    if (!saved_runtime_dir_.empty()) setenv("XDG_RUNTIME_DIR", saved_runtime_dir_.c_str(), 1);
  }

  std::string plain_name() const {
    return "/shmcheck-" + std::to_string(geteuid()) + "-" + session_;
  }

  struct Choice {
    std::string name;
    std::string note;
  };
  Choice choose() const {
    char name[128];
    char note[256];
    choose_state_name(session_.c_str(), name, sizeof name, note, sizeof note);
    return {name, note};
  }

  // Creates /dev/shm<name> as nobody, mode 0666, the way an attacker would.
  void plant(const std::string &name) {
    const std::string path = "/dev/shm" + name;
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(2);
      int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0666);
      _exit(fd >= 0 && fchmod(fd, 0666) == 0 ? 0 : 3);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "planting " << path;
    planted_.push_back(name);
  }

  std::string session_;
  std::string home_;
  std::string saved_home_;
  std::string saved_runtime_dir_;
  std::vector<std::string> planted_;
};

TEST_F(StateLocation, FreeNameIsThePlainOneAndMakesNoKey) {
  Choice choice = choose();
  EXPECT_EQ(choice.name, plain_name());
  EXPECT_EQ(choice.note, "");
  EXPECT_NE(access((home_ + "/.shmcheck-state-key").c_str(), F_OK), 0);
}

TEST_F(StateLocation, PlantedNameMovesToAPrivateNameEveryProcessAgreesOn) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to plant as another user";
  plant(plain_name());
  Choice first = choose();
  ASSERT_EQ(first.name.rfind(plain_name() + "~", 0), 0u) << first.name;
  EXPECT_EQ(first.name.size(), plain_name().size() + 17);
  EXPECT_NE(first.note.find("belongs to another user"), std::string::npos) << first.note;

  struct stat key;
  ASSERT_EQ(stat((home_ + "/.shmcheck-state-key").c_str(), &key), 0);
  EXPECT_EQ(key.st_mode & 0777, 0600u);
  EXPECT_EQ(key.st_uid, geteuid());

  // Another process of the user, started on its own, computes the same.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Choice theirs = choose();
    ssize_t written = write(pipe_fds[1], theirs.name.data(), theirs.name.size());
    _exit(written == static_cast<ssize_t>(theirs.name.size()) ? 0 : 1);
  }
  close(pipe_fds[1]);
  char buffer[128] = {};
  ssize_t got = read(pipe_fds[0], buffer, sizeof buffer - 1);
  close(pipe_fds[0]);
  waitpid(child, nullptr, 0);
  ASSERT_GT(got, 0);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(got)), first.name);
}

TEST_F(StateLocation, PrivateNameSeenAndPlantedIsSkipped) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to plant as another user";
  plant(plain_name());
  Choice first = choose();
  plant(first.name);
  Choice second = choose();
  EXPECT_NE(second.name, first.name);
  EXPECT_EQ(second.name.rfind(plain_name() + "~", 0), 0u) << second.name;
  EXPECT_EQ(choose().name, second.name);
}

TEST_F(StateLocation, WithoutAPrivateDirectoryThePlainNameStays) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to plant as another user";
  plant(plain_name());
  ASSERT_EQ(chmod(home_.c_str(), 0777), 0);  // anyone could plant the key
  Choice choice = choose();
  EXPECT_EQ(choice.name, plain_name());
  EXPECT_EQ(choice.note, "");
  ASSERT_EQ(chmod(home_.c_str(), 0700), 0);
}

}  // namespace
}  // namespace shmcheck::core
