// esep: the command line for technicians, commissions and auditors.
#include "commands.h"

int main(int argc, char** argv) {
  return esep::cli::RunCommandTable("esep", esep::cli::Commands(), argc, argv);
}
