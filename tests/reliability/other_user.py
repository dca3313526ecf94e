"""Running test programs as a second user ("nobody").

The checkout (and so the build directory) may sit in a directory only its
owner can enter, such as a home directory or a `mktemp -d` folder: nobody
could then execute nothing from it. What must run as nobody is copied
first into the test's own world-readable work directory.
"""
import os
import shutil

NOBODY = 65534


def as_nobody():
    """preexec_fn: the child becomes user and group nobody, no other groups."""
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def reachable_copy(path, work, relative=None):
    """A copy of `path` at work/relative (default: its base name) that any
    user can read and execute, with every directory up to `work` enterable.
    `work` itself must be reachable (a mkdtemp directory under /tmp, made
    0755)."""
    target = os.path.join(work, relative or os.path.basename(path))
    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        shutil.copy2(path, target)
        os.chmod(target, 0o755)
    return target
