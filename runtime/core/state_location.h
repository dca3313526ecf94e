// Where a session's shared state lives, safe from names planted by other
// users.
//
// The state is "/shmcheck-<uid>-<session>" in /dev/shm. Any local user can
// create a file there first; the state refuses such an object, so the name
// alone would let anyone switch a user's checking off. When the plain name
// belongs to someone else, the state moves to
// "/shmcheck-<uid>-<session>~<tag>", where the tag is a keyed hash of the
// session and a generation under a random key kept in a file only the user
// can create and read: .shmcheck-state-key in $XDG_RUNTIME_DIR, or in $HOME
// when that is not set. Every process of the user reads the same key, so
// unrelated processes compute the same name; another user cannot predict it.
// A private name that was seen and planted after its state ended is skipped
// by moving the key's generation on.
#pragma once

#include <cstddef>

namespace shmcheck::core {

// The state's name for `session`. Writes a one-line note into `note` (empty
// when there is nothing to say) when the plain name was planted.
void choose_state_name(const char *session, char *out, size_t out_size, char *note,
                       size_t note_size);

}  // namespace shmcheck::core
