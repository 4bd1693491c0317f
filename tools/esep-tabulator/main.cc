// esep-tabulator: the tabulation centre that receives the readers' signed precinct protocols.
#include "commands.h"
#include "tabulator_commands.h"

int main(int argc, char** argv) {
  return esep::cli::RunCommandTable("esep-tabulator", esep::tabulator::Commands(), argc, argv);
}
