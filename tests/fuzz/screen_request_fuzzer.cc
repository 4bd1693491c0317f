// The box's screen sends JSON bodies to esepd (POST /api/command, /api/login, /api/text): any
// bytes must give a request or an error, never a crash.
#include <cstdint>
#include <string_view>

#include "esep/scanner/screen.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using esep::scanner::ScreenServer;
  absl::StatusOr<esep::ScreenCommand> command = ScreenServer::ParseCommand(body);
  if (command.ok()) (void)command->lines().voters_on_list();
  (void)ScreenServer::ParseLogin(body).ok();
  (void)ScreenServer::ParseTextRequest(body).ok();
  (void)esep::scanner::ParseScreenAddress(body).ok();
  return 0;
}
