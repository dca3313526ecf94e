// The compact shadow word: what two records can say is kept exactly (every
// byte's write and read epoch, context, kind and position inside its
// access), and what they cannot say is refused so that the word is expanded.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "shadow_words.h"

namespace shmcheck::core {
namespace {

ShadowCellShm written(Clock clock, uint16_t slot, uint32_t ctx, uint8_t index, bool atomic = false) {
  ShadowCellShm c{};
  c.write_clock = clock;
  c.write_slot = slot;
  c.write_ctx = ctx;
  c.write_index = index;
  c.flags = atomic ? kWriteAtomic : 0;
  return c;
}

void add_read(ShadowCellShm &c, Clock clock, uint16_t slot, uint32_t ctx, uint8_t index) {
  c.read_clock = clock;
  c.read_slot = slot;
  c.read_ctx = ctx;
  c.read_index = index;
}

void expect_round_trip(const ShadowCellShm (&cells)[8]) {
  ShadowWordShm word{};
  ASSERT_TRUE(encode_word(cells, word));
  ShadowCellShm back[8];
  decode_word(word, back);
  for (int b = 0; b < 8; ++b)
    EXPECT_EQ(memcmp(&back[b], &cells[b], sizeof back[b]), 0) << "byte " << b;
}

TEST(ShadowWords, OneWideWriteIsOneRecord) {
  ShadowCellShm cells[8];
  for (int b = 0; b < 8; ++b) cells[b] = written(7, 3, 42, static_cast<uint8_t>(16 + b));
  ShadowWordShm word{};
  ASSERT_TRUE(encode_word(cells, word));
  EXPECT_EQ(word.records[0].mask, 0xff);
  EXPECT_EQ(word.records[1].clock, 0u);
  expect_round_trip(cells);
}

TEST(ShadowWords, LoopOfSmallAccessesIsOneRecord) {
  for (int size : {1, 2, 4}) {
    ShadowCellShm cells[8];
    for (int b = 0; b < 8; ++b) cells[b] = written(9, 1, 5, static_cast<uint8_t>(b % size));
    ShadowWordShm word{};
    ASSERT_TRUE(encode_word(cells, word)) << "size " << size;
    EXPECT_EQ(word.records[1].clock, 0u) << "size " << size;
    expect_round_trip(cells);
  }
}

TEST(ShadowWords, NeighbouringBytesKeepTheirOwnWriters) {
  ShadowCellShm cells[8];
  for (int b = 0; b < 4; ++b) cells[b] = written(5, 1, 10, static_cast<uint8_t>(b));
  for (int b = 4; b < 8; ++b) cells[b] = written(7, 2, 11, static_cast<uint8_t>(b - 4), true);
  expect_round_trip(cells);
}

TEST(ShadowWords, WriteAndLaterReadOfOtherBytes) {
  ShadowCellShm cells[8] = {};
  for (int b = 0; b < 8; ++b) cells[b] = written(5, 1, 10, static_cast<uint8_t>(b));
  for (int b = 2; b < 6; ++b) add_read(cells[b], 3, 2, 12, static_cast<uint8_t>(b - 2));
  expect_round_trip(cells);
}

TEST(ShadowWords, ThreeAccessesNeedAnExpandedWord) {
  ShadowCellShm cells[8];
  for (int b = 0; b < 4; ++b) cells[b] = written(5, 1, 10, static_cast<uint8_t>(b));
  for (int b = 4; b < 8; ++b) cells[b] = written(7, 2, 11, static_cast<uint8_t>(b - 4));
  add_read(cells[0], 2, 3, 12, 0);
  ShadowWordShm word{};
  EXPECT_FALSE(encode_word(cells, word));
}

TEST(ShadowWords, ConcurrentReadsNeedAnExpandedWord) {
  ShadowCellShm cells[8] = {};
  cells[3].read_clock = 17;  // a read set reference
  cells[3].flags = kReadShared;
  ShadowWordShm word{};
  EXPECT_FALSE(encode_word(cells, word));
}

TEST(ShadowWords, PositionsSaturateLikeTheCells) {
  ShadowCellShm cells[8];
  for (int b = 0; b < 8; ++b) {
    unsigned index = 250u + static_cast<unsigned>(b);
    cells[b] = written(4, 6, 8, static_cast<uint8_t>(index < 255 ? index : 255));
  }
  expect_round_trip(cells);
}

TEST(ShadowWords, ExpandedMarkerIsNotARecord) {
  ShadowWordShm word{};
  set_expanded(word, 77);
  EXPECT_EQ(expanded_ref(word), 77u);
  EXPECT_FALSE(record_live(word.records[0]));
  ShadowCellShm cells[8];
  decode_word(word, cells);
  for (const ShadowCellShm &c : cells) EXPECT_EQ(c.write_clock | c.read_clock, 0u);
}

TEST(ShadowWords, DamagedRecordsDecodeToNothingBeyondTheSlots) {
  ShadowWordShm word{};
  word.records[0] = {5, 1, 0xff, 0, static_cast<uint16_t>(kRecordWrite | 0xfff)};
  ShadowCellShm cells[8];
  decode_word(word, cells);
  for (const ShadowCellShm &c : cells) EXPECT_EQ(c.write_clock, 0u);
}

// Any mix of at most two accesses over contiguous runs of bytes survives the
// round trip; mixes of more are refused, never altered.
TEST(ShadowWords, RandomWordsRoundTripOrAreRefused) {
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    ShadowCellShm cells[8] = {};
    int accesses = 1 + static_cast<int>(random() % 3);
    for (int a = 0; a < accesses; ++a) {
      unsigned lo = random() % 8, hi = lo + 1 + random() % (8 - lo);
      bool write = random() % 2;
      Clock clock = 1 + random() % 4;
      uint16_t slot = static_cast<uint16_t>(random() % 3);
      uint32_t ctx = 1 + random() % 3;
      unsigned start = random() % 300;
      for (unsigned b = lo; b < hi; ++b) {
        unsigned index = start + (b - lo);
        uint8_t i = static_cast<uint8_t>(index < 255 ? index : 255);
        if (write) cells[b].write_clock = clock, cells[b].write_slot = slot,
                   cells[b].write_ctx = ctx, cells[b].write_index = i;
        else cells[b].read_clock = clock, cells[b].read_slot = slot, cells[b].read_ctx = ctx,
             cells[b].read_index = i;
      }
    }
    ShadowWordShm word{};
    if (!encode_word(cells, word)) {
      EXPECT_GT(accesses, 1);
      continue;
    }
    ShadowCellShm back[8];
    decode_word(word, back);
    for (int b = 0; b < 8; ++b)
      ASSERT_EQ(memcmp(&back[b], &cells[b], sizeof back[b]), 0) << "round " << round;
  }
}

}  // namespace
}  // namespace shmcheck::core
