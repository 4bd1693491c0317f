// LeakSanitizer (ESEP_SANITIZE builds) asks for these at start-up. Fontconfig keeps its
// configuration and font cache for the life of the process, reached through Pango's default font
// map, and they are reported at exit; nothing of ours is suppressed. The same list is in lsan.supp
// for the tests that run the esep tool.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
