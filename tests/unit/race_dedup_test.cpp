// Which races reach the report: one per pair of sites, and none whose
// earlier access is lost once its site has been reported.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "race_queue.h"
#include "shared_layout.h"

namespace shmcheck::core {
namespace {

struct DedupSet {
  std::unique_ptr<std::atomic<uint64_t>[]> slots{new std::atomic<uint64_t>[kDedupSlots]()};
  bool first(uint64_t here, uint64_t there) {
    return first_of_its_kind(slots.get(), here, there);
  }
};

constexpr uint64_t kReadSite = 0x401000, kWriteSite = 0x401040, kOtherSite = 0x402000;

TEST(RaceDedup, APairOfSitesIsReportedOnceInEitherOrder) {
  DedupSet set;
  EXPECT_TRUE(set.first(kReadSite, kWriteSite));
  EXPECT_FALSE(set.first(kReadSite, kWriteSite));
  EXPECT_FALSE(set.first(kWriteSite, kReadSite));
}

TEST(RaceDedup, ALostPartnerAddsNothingOnceEitherSiteWasReported) {
  DedupSet set;
  ASSERT_TRUE(set.first(kReadSite, kWriteSite));
  EXPECT_FALSE(set.first(kReadSite, 0));
  EXPECT_FALSE(set.first(kWriteSite, 0));
}

TEST(RaceDedup, ALostPartnerAtANewSiteIsReportedOnce) {
  DedupSet set;
  ASSERT_TRUE(set.first(kReadSite, kWriteSite));
  EXPECT_TRUE(set.first(kOtherSite, 0));
  EXPECT_FALSE(set.first(kOtherSite, 0));
}

TEST(RaceDedup, AKnownPartnerAfterALostOneIsStillReported) {
  DedupSet set;
  ASSERT_TRUE(set.first(kReadSite, 0));
  EXPECT_TRUE(set.first(kReadSite, kWriteSite));
}

}  // namespace
}  // namespace shmcheck::core
