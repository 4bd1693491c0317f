#ifndef ESEP_SCANNER_CRASH_POINT_H_
#define ESEP_SCANNER_CRASH_POINT_H_

// Named points at every durable step of the reader's work (an image synced, a transaction
// committed, a reader command executed, a poll-state change). Production never sets a hook, so a
// crash point costs one atomic load. The crash-injection test sets a hook in a forked child that
// kills the process at the Nth point, to prove that a power loss at any of them loses or doubles
// no ballot.

namespace esep::scanner {

using CrashHook = void (*)(const char* site);

// Installs `hook` for the whole process (nullptr removes it).
void SetCrashHook(CrashHook hook);

// Calls the hook, if any, with `site` (a static string such as "store.image.synced").
void CrashPoint(const char* site);

}  // namespace esep::scanner

#endif  // ESEP_SCANNER_CRASH_POINT_H_
