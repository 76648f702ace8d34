"""The context the RFC asks for: community cookbooks and their versions, Test Kitchen plugins and
platforms, and the versions of the Chef tools. Public names only: a name is reported only when its
public origin is proven (chefwrap.shim.context.public_names); everything else is counted, never named.

- cookbooks: from the nearest Policyfile.lock.json or Berksfile.lock, walking up from the working
  directory as the opt-out walk does. A Policyfile lock entry is public when its artifact server is the
  public Supermarket's download URL for that cookbook and version. A Berksfile.lock cannot prove where a
  cookbook came from (the sources live in the Berksfile), so only Berkshelf's old JSON locks, which name a
  site per cookbook, can name one; everything else is a count.
- kitchen: for kitchen commands, from the kitchen.yml in use and its local override: the driver,
  provisioner, verifier and transport when they are public plugins, and platforms that are generic OS
  names or public bento/dokken boxes. ERB is never evaluated; settings, suites and URLs are never read.
- versions: from files next to the real tool (a Workstation version manifest, the gems' specifications),
  never by running anything.

It runs in the recorder after the tool has exited, under a budget of CPU time and the recorder's
deadline, reads no file over 1 MiB, and keeps its results in a cache keyed by the files' identity
(device, inode, size, modification time): no name or path is ever written down. A broken or unreadable
file costs nothing and prints nothing. A file's identity is written down as being read before it is
read, so one whose reading never ended (the budget, the deadline, a crash of the parser) is remembered,
and the next run skips it at once.
"""

import os
import sys

from chefwrap.shim import debug
from chefwrap.shim.context.cookbook_locks import LOCK_FILES, read_cookbooks
from chefwrap.shim.context.identity_cache import Cache
from chefwrap.shim.context.kitchen_yaml import kitchen_configuration, read_kitchen
from chefwrap.shim.context.limits import OutOfTime
from chefwrap.shim.context.tool_versions import read_versions
from chefwrap.state.folders import nearest, working_folder

# Of the recorder's CPU time (SIGPROF): a parse that would take longer is given up, and the event goes
# without it. The wall clock is the recorder's deadline's (chefwrap.shim.launcher), which SIGALRM keeps.
BUDGET_SECONDS = 0.2
# Past the budget the timer comes again: an OutOfTime raised where Python swallows exceptions (a
# weakref callback or a __del__ that a garbage collection runs at that moment; one long collection can
# run many) is raised once more, for up to half a second of CPU more.
REPEAT_SECONDS = 0.02
MOST_ALARMS = 25


def gather(tool, real, variables, keep=True) -> dict:
    """Extra event properties for a run of `tool` (real: the real tool's path), within the time budget.
    keep=False leaves no trace on disk, not even in the cache (debug mode, preview)."""
    import _signal as signal

    alarms, reading = [0], [True]

    def out_of_time(signum, frame):
        alarms[0] += 1
        if reading[0] and alarms[0] <= MOST_ALARMS:
            raise OutOfTime()

    found, caches = {}, []
    previous = signal.signal(signal.SIGPROF, out_of_time)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = say_nothing  # a swallowed OutOfTime would print "Exception ignored in ..." on stderr
    signal.setitimer(signal.ITIMER_PROF, BUDGET_SECONDS, REPEAT_SECONDS)
    try:
        try:
            read_everything(tool, real, variables, keep, found, caches)
        finally:
            reading[0] = False  # an alarm still on its way must not raise in what follows
            signal.setitimer(signal.ITIMER_PROF, 0)
    except OutOfTime:
        if caches:
            save_quietly(caches[0], variables)  # what was read before, and the mark of what ran out of time
    except Exception:  # noqa: BLE001 - a damaged file or cache must cost the tool nothing
        debug.say_what_went_wrong(variables, "reading the context")
    finally:
        reading[0] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        sys.unraisablehook = previous_hook
    return {name: value for name, value in found.items() if value}


def say_nothing(unraisable) -> None:
    pass


def read_everything(tool, real, variables, keep, found, caches) -> None:
    """Fills `found` as it goes, so what was read before the budget ran out is kept."""
    cache = Cache(variables, keep)
    caches.append(cache)
    folder = working_folder(variables)
    found["versions"] = cache.lookup("versions", [os.path.realpath(os.fsdecode(real))], read_versions)
    if folder:
        lock = nearest(folder, LOCK_FILES)
        if lock:
            found["cookbooks"] = cache.lookup("cookbooks", [lock], read_cookbooks)
        if tool == "kitchen":
            kitchen_files = kitchen_configuration(folder, variables)
            if kitchen_files:
                found["kitchen"] = cache.lookup("kitchen", kitchen_files, read_kitchen)
    cache.save()


def save_quietly(cache, variables) -> None:
    """Past the budget: one small write. A late alarm here is an OutOfTime like any other exception:
    caught, and the tool is not disturbed."""
    try:
        cache.save()
    except Exception:  # noqa: BLE001 - a cache that cannot be written must cost the tool nothing
        debug.say_what_went_wrong(variables, "remembering a file that ran out of time")


def as_properties(found: dict) -> dict:
    """The gathered context as the event carries it."""
    properties = {}
    cookbooks = found.get("cookbooks")
    if cookbooks:
        named = [entry.split("@", 1) for entry in cookbooks.get("public", [])]
        properties["cookbooks"] = {
            "source": cookbooks.get("source"),
            "public": [{"name": name, "version": version} for name, version in named],
            "other": cookbooks.get("other", 0),
        }
    if found.get("kitchen"):
        properties["kitchen"] = dict(found["kitchen"])
    if found.get("versions"):
        properties["versions"] = dict(found["versions"])
    return properties
