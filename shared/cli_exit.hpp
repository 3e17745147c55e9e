// Command-line parsing for the mains: refused input exits with status 2 everywhere (the units'
// RestartPreventExitStatus=2 then stops systemd from restarting a process that can never run),
// where CLI11's own codes are 105, 106, ... --help and --version still exit 0.
#pragma once

#include <CLI/CLI.hpp>

namespace quante {

inline int cli_exit(const CLI::App& app, const CLI::ParseError& error) { return app.exit(error) == 0 ? 0 : 2; }

}  // namespace quante

#define QUANTE_CLI_PARSE(app, argc, argv)             \
  do {                                                \
    try {                                             \
      (app).parse((argc), (argv));                    \
    } catch (const CLI::ParseError& parse_error) {    \
      return quante::cli_exit((app), parse_error);    \
    }                                                 \
  } while (false)
