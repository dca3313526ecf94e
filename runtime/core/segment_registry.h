// The shared segment table and this process's mappings of segment shadows.
//
// A segment entry lives while some process has the segment attached, or
// until the segment is removed (IPC_RMID) and the last attacher detaches. Its
// shadow is a separate object sized from the segment (one cell per byte).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core_api.h"
#include "shared_layout.h"

namespace shmcheck::core {

SegmentRef attach_segment(const SegmentIdentity &identity, size_t size, const StackTrace *where,
                          ThreadState *thread);
void detach_segment(SegmentRef segment);
void remove_segment(SegmentRef segment);
void name_segment(SegmentRef segment, const char *description);
void attach_segment_again(SegmentRef segment);
void remove_object(const SegmentIdentity &identity);

// Registry lock held: `process` no longer has anything attached.
void segments_drop_process(uint32_t process);

// Registry lock held (fork child): the attachments inherited from the parent
// now also belong to this process's entry.
void segments_adopt_inherited();

// Registry lock held (fork_prepare): the child reserved at entry `process`
// will inherit this process's attachments, so they count as its own from
// now on: a parent that leaves before the child runs does not take the
// segments' history with it.
void segments_lend_to_child(uint32_t process);

// Unmaps every shadow mapped in this process (process exit).
void unmap_all_segments();

}  // namespace shmcheck::core
