// state_scribbler SECONDS [SEED]: a hostile process of the same user that
// overwrites the session's shared state while checked processes use it.
//
// It waits for the state object of the session named in SHMCHECK_OPTIONS
// (as lock_sniper does), maps it and every shadow object of the session
// read-write, and for SECONDS writes random bytes at random places: process
// and slot tables, vector clocks, segment and sync tables, the history ring,
// read sets, the stack depot, pending reports, shadow cells, the headers'
// counters and indexes. It leaves the lock words alone (a lock word naming a
// thread that does not exist makes every locker wait; see
// docs/reliability.md). Must run without the runtime. Prints how many writes
// it made; exit status 1 when the state never appeared.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared_layout.h"

namespace {

using namespace shmcheck::core;

double now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string state_name() {
  const char *options = getenv("SHMCHECK_OPTIONS");
  std::string session = "default";
  std::string text = options != nullptr ? options : "";
  for (size_t at = 0; (at = text.find("session=", at)) != std::string::npos; at += 8) {
    if (at != 0 && text[at - 1] != ':' && text[at - 1] != ' ') continue;
    size_t end = text.find_first_of(": \t\n", at + 8);
    session = text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  }
  return "shmcheck-" + std::to_string(geteuid()) + "-" + session;
}

// A byte range that may be overwritten.
struct Region {
  unsigned char *start;
  size_t size;
};

void *map_read_write(const std::string &path, size_t *size) {
  int fd = open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    *size = static_cast<size_t>(st.st_size);
    map = mmap(nullptr, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  close(fd);
  return map == MAP_FAILED ? nullptr : map;
}

template <typename T>
void add(std::vector<Region> &regions, T &object) {
  regions.push_back({reinterpret_cast<unsigned char *>(&object), sizeof object});
}

// Everything of the state object but its lock words.
void state_regions(SharedStateShm *s, std::vector<Region> &regions) {
  StateHeaderShm &h = s->header;
  auto *header = reinterpret_cast<unsigned char *>(&h);
  const size_t locks_start = offsetof(StateHeaderShm, registry_lock);
  const size_t locks_end = offsetof(StateHeaderShm, readset_lock) + sizeof(RobustMutex);
  regions.push_back({header, locks_start});
  regions.push_back({header + locks_end, sizeof h - locks_end});
  add(regions, s->processes);
  add(regions, s->slots);
  add(regions, s->segments);
  add(regions, s->modules);
  for (SyncStripeShm &stripe : s->sync_stripes) {
    auto *start = reinterpret_cast<unsigned char *>(&stripe) + sizeof(RobustMutex);
    regions.push_back({start, sizeof stripe - sizeof(RobustMutex)});
  }
  add(regions, s->sync_clocks);
  add(regions, s->dedup_pcs);
  add(regions, s->dedup_lines);
  add(regions, s->reports);
  add(regions, s->history);
  add(regions, s->readsets);
  add(regions, s->depot);
  add(regions, s->segment_names);
}

// A shadow object: its header's fields and its cells, not its stripes.
void shadow_regions(unsigned char *map, size_t size, std::vector<Region> &regions) {
  regions.push_back({map, offsetof(ShadowHeaderShm, stripes)});
  if (size > kShadowCellsOffset)
    regions.push_back({map + kShadowCellsOffset, size - kShadowCellsOffset});
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: state_scribbler SECONDS [SEED]\n");
    return 2;
  }
  const double seconds = atof(argv[1]);
  std::mt19937_64 random(argc > 2 ? strtoull(argv[2], nullptr, 10) : 1);
  const std::string name = state_name();

  SharedStateShm *state = nullptr;
  size_t state_size = 0;
  for (double give_up = now() + 10; state == nullptr && now() < give_up; usleep(1000)) {
    state = static_cast<SharedStateShm *>(map_read_write("/dev/shm/" + name, &state_size));
    if (state != nullptr && state_size != sizeof(SharedStateShm)) {
      munmap(state, state_size);
      state = nullptr;  // still being created
    }
  }
  if (state == nullptr) {
    fprintf(stderr, "state_scribbler: no state '%s' appeared\n", name.c_str());
    return 1;
  }
  // Let the checked processes get going first.
  usleep(200000);
  std::vector<Region> regions;
  state_regions(state, regions);
  std::vector<std::string> shadows;
  unsigned long long writes = 0;
  const double end = now() + seconds;
  for (double rescan = 0; now() < end;) {
    if (now() > rescan) {
      // Shadows appear as segments are attached.
      DIR *dir = opendir("/dev/shm");
      while (dir != nullptr) {
        struct dirent *entry = readdir(dir);
        if (entry == nullptr) break;
        std::string shadow = entry->d_name;
        if (shadow.compare(0, name.size() + 1, name + "@") != 0) continue;
        bool known = false;
        for (const std::string &s : shadows) known = known || s == shadow;
        size_t size = 0;
        void *map = known ? nullptr : map_read_write("/dev/shm/" + shadow, &size);
        if (map == nullptr) continue;
        shadows.push_back(shadow);
        shadow_regions(static_cast<unsigned char *>(map), size, regions);
      }
      if (dir != nullptr) closedir(dir);
      rescan = now() + 0.1;
    }
    // A burst: single words most of the time, sometimes a run of bytes.
    for (int i = 0; i < 256; ++i) {
      const Region &r = regions[random() % regions.size()];
      size_t at = random() % r.size;
      size_t length = random() % 8 == 0 ? 1 + random() % 64 : 1 + random() % 8;
      if (length > r.size - at) length = r.size - at;
      for (size_t k = 0; k < length; ++k) r.start[at + k] = static_cast<unsigned char>(random());
      ++writes;
    }
    usleep(100);
  }
  fprintf(stderr, "state_scribbler: %llu writes into '%s' and %zu shadow objects\n", writes,
          name.c_str(), shadows.size());
  return 0;
}
