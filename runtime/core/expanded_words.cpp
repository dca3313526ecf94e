#include "expanded_words.h"

#include <cstring>

#include "core_state.h"
#include "read_sets.h"
#include "robust_mutex.h"

namespace shmcheck::core {
namespace {

ExpandedWordShm *block_at(uint32_t ref) {
  if (ref == 0 || ref > kExpandedWords) return nullptr;
  return &state().expanded[ref - 1];
}

void free_read_sets(ExpandedWordShm &block) {
  for (ShadowCellShm &cell : block.cells) {
    if (cell.flags & kReadShared) read_set_free_chain(cell.read_clock);
    cell.flags = 0;
  }
}

// Pool lock held.
void push_free(uint32_t ref) {
  StateHeaderShm &h = state().header;
  ExpandedWordShm *block = block_at(ref);
  block->segment = 0;
  block->next = h.expanded_free;
  h.expanded_free = ref;
}

}  // namespace

uint32_t expanded_alloc(uint32_t segment, uint32_t generation, uint64_t word) {
  StateHeaderShm &h = state().header;
  RobustLock lock(h.expanded_lock, SignalsStayOpen{});
  if (!lock.ok()) return 0;
  uint32_t ref = 0;
  if (ExpandedWordShm *head = block_at(h.expanded_free)) {
    ref = h.expanded_free;
    h.expanded_free = head->next <= kExpandedWords ? head->next : 0;
  } else if (h.expanded_used < kExpandedWords) {
    ref = ++h.expanded_used;
  } else {
    h.expanded_exhausted.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  ExpandedWordShm *block = block_at(ref);
  memset(block->cells, 0, sizeof block->cells);
  block->next = 0;
  block->segment = segment + 1;
  block->generation = generation;
  block->word = word;
  return ref;
}

void expanded_free(uint32_t ref) {
  ExpandedWordShm *block = block_at(ref);
  if (block == nullptr) return;
  free_read_sets(*block);
  RobustLock lock(state().header.expanded_lock, SignalsStayOpen{});
  if (!lock.ok()) return;
  push_free(ref);
}

ExpandedWordShm *expanded_at(uint32_t ref, uint32_t segment, uint32_t generation,
                             uint64_t word) {
  ExpandedWordShm *block = block_at(ref);
  if (block == nullptr || block->segment != segment + 1 || block->generation != generation ||
      block->word != word)
    return nullptr;
  return block;
}

void expanded_forget_segment(uint32_t segment) {
  StateHeaderShm &h = state().header;
  uint32_t used = h.expanded_used < kExpandedWords ? h.expanded_used : kExpandedWords;
  for (uint32_t ref = 1; ref <= used; ++ref) {
    ExpandedWordShm *block = block_at(ref);
    if (block->segment != segment + 1) continue;
    free_read_sets(*block);
    RobustLock lock(h.expanded_lock);
    if (!lock.ok()) return;
    push_free(ref);
  }
}

}  // namespace shmcheck::core
