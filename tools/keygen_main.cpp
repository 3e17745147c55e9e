// quante-keygen: writes a CURVE key pair for a broker, a worker or a tuner: DIR/NAME.key (the
// secret key, mode 0600) and DIR/NAME.pub (the public key, to copy into the broker's allow-list
// or, for the broker's own pair, to every worker and tuner). See socket_security.hpp.
#include <sys/stat.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_exit.hpp"

#include "socket_security.hpp"

int main(int argc, char** argv) {
  std::string name;
  std::string directory = ".";
  bool force = false;
  std::string secret_file;
  CLI::App app{"quante-keygen: writes a CURVE key pair (NAME.key, NAME.pub) for a quante-carlo farm"};
  app.set_version_flag("--version", "quante-keygen 0.1.0");
  app.add_option("name", name, "base name of the files, e.g. broker or host-a-worker");
  app.add_option("--dir,-d", directory, "folder to write into")->capture_default_str();
  app.add_flag("--force", force, "overwrite existing files");
  app.add_option("--public-of", secret_file, "print the public key of an existing secret key file, write nothing");
  QUANTE_CLI_PARSE(app, argc, argv);
  try {
    if (!secret_file.empty()) {
      std::cout << quante::read_secret_key_file(secret_file).public_key << "\n";
      return 0;
    }
    if (name.empty() || name.find('/') != std::string::npos) {
      std::cerr << "quante-keygen: give a NAME (no '/'); --help for more\n";
      return 2;
    }
    const auto keys = quante::generate_key_pair();
    ::umask(077);
    quante::write_key_pair(directory, name, keys, force);
    std::cout << "wrote " << directory << "/" << name << ".key (secret, mode 0600) and " << directory << "/" << name
              << ".pub\npublic key: " << keys.public_key << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "quante-keygen: " << e.what() << "\n";
    return 1;
  }
}
