#include "esep/scanner/crash_point.h"

#include <atomic>

namespace esep::scanner {
namespace {

std::atomic<CrashHook> g_hook{nullptr};

}  // namespace

void SetCrashHook(CrashHook hook) { g_hook.store(hook, std::memory_order_release); }

void CrashPoint(const char* site) {
  if (CrashHook hook = g_hook.load(std::memory_order_acquire)) hook(site);
}

}  // namespace esep::scanner
