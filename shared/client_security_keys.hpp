// The [security] keys of a client of the broker (tuner.toml, worker.toml), written once: the
// broker's CURVE public key, inline or in a file, and this process's secret key, with the checks
// across them (the broker's key given once; a secret key exactly when the broker's key is given).
// Config is any configuration with a `ClientSecurity security` member.
#pragma once

#include <string>

#include "config_table.hpp"
#include "socket_security.hpp"

namespace quante::config_detail {

// `whose`: "this tuner's", "this worker's" (the help of secret_key_file).
template <class Config>
Table<Config>& client_security_keys(Table<Config>& table, const std::string& whose) {
  return table
      .text("security.broker_public_key", [](Config& c) -> auto& { return c.security.server_public_key; },
            "the broker's CURVE public key (Z85)", check_z85_key)
      .text("security.broker_public_key_file", [](Config& c) -> auto& { return c.security.server_public_key_file; },
            "the broker's NAME.pub")
      .text("security.secret_key_file", [](Config& c) -> auto& { return c.security.secret_key_file; },
            whose + " CURVE secret key (quante-keygen)");
}

inline void check_client_security(const ClientSecurity& s, const std::string& source) {
  if (!s.server_public_key.empty() && !s.server_public_key_file.empty())
    fail(source, "security.broker_public_key_file", "give the broker's key once: broker_public_key or broker_public_key_file");
  if (s.curve() && s.secret_key_file.empty())
    fail(source, "security.secret_key_file", "is required when the broker's public key is given (CURVE)");
  if (!s.curve() && !s.secret_key_file.empty())
    fail(source, "security.broker_public_key", "is required when secret_key_file is given (CURVE)");
}

}  // namespace quante::config_detail
