// The public results site reads two things from outside: URL paths (SiteServer) and manifests
// (a mirror's MANIFEST.txt). Any input must give a file inside the generation, or nothing, and a
// manifest or an error.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "esep/transport/results_site.h"
#include "esep/transport/site_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)esep::transport::ParseSiteManifest(input);
  const std::filesystem::path generation = "tests/fuzz/corpus/site_paths_fuzzer";
  const std::filesystem::path file = esep::transport::SiteFileOf(generation, input);
  if (!file.empty()) {
    const std::filesystem::path relative = file.lexically_relative(generation);
    if (relative.empty() || *relative.begin() == "..") std::abort();
  }
  return 0;
}
