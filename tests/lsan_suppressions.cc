// LeakSanitizer (ESEP_SANITIZE builds) asks for these at start-up. Fontconfig keeps its
// configuration and font cache for the life of the process, reached through Pango's default font
// map, and they are reported at exit; nothing of ours is suppressed. The same list is in lsan.supp
// (ESEP_LSAN_ENV) for the tests that run the esep tool. Linked into every test that renders.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
