// The runtime's report_json records and suppressions, end to end through the
// core: forked processes race on a real segment; the records are read back
// with the launcher's parser.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/shm.h>
#include <unistd.h>

#include "json_value.h"
#include "run_records.h"
#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;
using launcher::JsonValue;

constexpr int kFailed = 90;

// A directory for the records, removed with its files even when a test fails.
class RecordDirectory {
 public:
  RecordDirectory() {
    char templ[] = "/tmp/shmcheck-records-test-XXXXXX";
    if (mkdtemp(templ) != nullptr) path_ = templ;
  }
  ~RecordDirectory() {
    for (const std::string &name : files()) unlink((path_ + "/" + name).c_str());
    rmdir(path_.c_str());
  }
  std::string prefix() const { return path_ + "/rec"; }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR *d = opendir(path_.c_str())) {
      while (struct dirent *e = readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
      closedir(d);
    }
    return names;
  }
  // The records files: rec.<pid>.
  std::vector<std::string> record_files() const {
    std::vector<std::string> names;
    for (const std::string &name : files())
      if (name.compare(0, 4, "rec.") == 0) names.push_back(name);
    return names;
  }
  // Every record of every process.
  std::vector<JsonValue> records() const {
    std::vector<JsonValue> all;
    for (const std::string &name : record_files()) {
      FILE *f = fopen((path_ + "/" + name).c_str(), "r");
      if (f == nullptr) continue;
      char line[65536];
      while (fgets(line, sizeof line, f) != nullptr) {
        JsonValue v;
        std::string error;
        EXPECT_TRUE(launcher::parse_json(line, v, &error)) << name << ": " << error;
        all.push_back(v);
      }
      fclose(f);
    }
    return all;
  }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

std::vector<JsonValue> of_kind(const std::vector<JsonValue> &records, const char *kind) {
  std::vector<JsonValue> out;
  for (const JsonValue &r : records)
    if (r.string_or("record") == kind) out.push_back(r);
  return out;
}

// b writes after a in real time only: a race b finds. b flushes, then lets a
// finish, so that a is still registered when the report is written.
// Returns which writers exited with 66: 1 for a, 2 for b, 3 for both (and
// kFailed when either exited otherwise).
int two_writers(int shmid, int sem) {
  if (!core::process_start()) return kFailed;
  Attached seg = attach(shmid);
  if (seg.ref == core::kNoSegment) return kFailed;
  pid_t a = spawn([&] {
    SHMCHECK_ACCESS(seg.ref, 16, 4, AccessType::Write);
    post(sem, 0);
    wait_for(sem, 1);
    return 0;
  });
  pid_t b = spawn([&] {
    wait_for(sem, 0);
    SHMCHECK_ACCESS(seg.ref, 16, 4, AccessType::Write);
    core::flush_reports();
    post(sem, 1);
    return 0;
  });
  int rb = reap(b);
  int ra = reap(a);
  shmdt(seg.address);
  core::segment_detached(seg.ref);
  core::process_exit();
  if ((ra != 0 && ra != 66) || (rb != 0 && rb != 66)) return kFailed;
  return (ra == 66 ? 1 : 0) + (rb == 66 ? 2 : 0);
}

std::string write_file(const std::string &path, const std::string &text) {
  FILE *f = fopen(path.c_str(), "w");
  if (f != nullptr) {
    fputs(text.c_str(), f);
    fclose(f);
  }
  return path;
}

class ReportJson : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(session.leftovers().empty()) << "shared state left behind";
  }
  Session session;
  RecordDirectory dir;
};

TEST_F(ReportJson, EveryProcessRecordsItsStartSegmentsRacesAndExit) {
  ASSERT_FALSE(dir.path().empty());
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  int status = session.run([&] { return two_writers(shmid, sem) == 3 ? 0 : 1; },
                           "report_json=" + dir.prefix());
  EXPECT_EQ(status, 0) << session.errors();

  std::vector<JsonValue> records = dir.records();
  EXPECT_EQ(dir.record_files().size(), 3u) << "one file per process";
  std::vector<JsonValue> processes = of_kind(records, "process");
  ASSERT_EQ(processes.size(), 3u);
  for (const JsonValue &p : processes) {
    EXPECT_EQ(p.uint_or("format"), 1u);
    EXPECT_GT(p.uint_or("pid"), 0u);
    EXPECT_NE(p.string_or("executable").find("shmcheck_output_tests"), std::string::npos);
    EXPECT_EQ(p.string_or("session"), session.name());
  }
  std::vector<JsonValue> segments = of_kind(records, "segment");
  ASSERT_EQ(segments.size(), 1u) << "attached once, by the root; children inherit it";
  EXPECT_EQ(segments[0].get("segment")->string_or("kind"), "sysv");
  EXPECT_EQ(segments[0].get("segment")->uint_or("shmid"), static_cast<uint64_t>(shmid));
  EXPECT_EQ(segments[0].get("segment")->uint_or("size"), 64u);
  EXPECT_EQ(of_kind(records, "exit").size(), 3u);

  std::vector<JsonValue> races = of_kind(records, "race");
  ASSERT_EQ(races.size(), 1u);
  report::PrintedRace race;
  ASSERT_TRUE(launcher::decode_race(races[0], race));
  EXPECT_EQ(race.segment_id, static_cast<uint64_t>(shmid));
  EXPECT_FALSE(race.segment_is_object);
  EXPECT_EQ(race.current.kind, "write");
  EXPECT_EQ(race.current.size, 4u);
  EXPECT_EQ(race.current.offset, 16u);
  EXPECT_TRUE(race.previous.known);
  EXPECT_EQ(race.previous.kind, "write");
  EXPECT_NE(race.current.pid, race.previous.pid);
  EXPECT_EQ(race.detector_pid, race.current.pid);
  ASSERT_FALSE(race.current.stack.empty());
  EXPECT_NE(race.current.stack[0].file.find("report_json_test.cpp"), std::string::npos);
  ASSERT_FALSE(race.previous.stack.empty());
  EXPECT_NE(race.previous.stack[0].file.find("report_json_test.cpp"), std::string::npos);
  EXPECT_NE(races[0].string_or("summary").find("report_json_test.cpp:"), std::string::npos);
  // The text report is still written.
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(ReportJson, ASuppressedRaceIsNeitherWrittenNorCountedInExitStatuses) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  std::string supp = write_file(dir.path() + "/x.supp", "# ours\nrace:report_json_test.cpp\n");
  int status = session.run([&] { return two_writers(shmid, sem); },
                           "report_json=" + dir.prefix() + ":suppressions=" + supp);
  EXPECT_EQ(status, 0) << "neither writer exits with 66\n" << session.errors();
  EXPECT_EQ(session.report_count(), 0) << session.logs();
  std::vector<JsonValue> records = dir.records();
  EXPECT_TRUE(of_kind(records, "race").empty());
  uint64_t suppressed = 0;
  for (const JsonValue &e : of_kind(records, "exit")) suppressed += e.uint_or("races_suppressed");
  EXPECT_EQ(suppressed, 1u);
}

TEST_F(ReportJson, UnmatchedSuppressionsStillMarkBothWritersWhenTheReportIsWritten) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  std::string supp = write_file(dir.path() + "/x.supp", "race:^no_such_function$\n");
  int status = session.run([&] { return two_writers(shmid, sem); },
                           "report_json=" + dir.prefix() + ":suppressions=" + supp);
  EXPECT_EQ(status, 3) << session.errors();
  EXPECT_EQ(of_kind(dir.records(), "race").size(), 1u);
}

TEST_F(ReportJson, AMalformedSuppressionsFileIsReportedAndIgnored) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  std::string supp = write_file(dir.path() + "/x.supp", "race:report_json_test.cpp\nmutex\n");
  int status = session.run([&] { return two_writers(shmid, sem); }, "suppressions=" + supp);
  EXPECT_EQ(status, 3);
  EXPECT_NE(session.errors().find("shmcheck: suppressions '" + supp +
                                  "' line 2: expected 'race:PATTERN', got 'mutex'; no race "
                                  "is suppressed"),
            std::string::npos)
      << session.errors();
  EXPECT_EQ(session.report_count(), 1);
}

}  // namespace
}  // namespace shmcheck::testing
