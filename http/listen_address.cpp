#include "listen_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace quante::http {

std::variant<ListenAddress, std::string> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    return "'" + text + "' is not ADDR:PORT (for example 127.0.0.1:9464)";
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535)
    return "'" + text + "': the port must be a number from 0 to 65535";
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";

  ListenAddress a;
  a.host = host;
  a.port = static_cast<std::uint16_t>(std::stoul(port_text));
  in_addr v4{};
  in6_addr v6{};
  if (!bracketed && inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a.port);
    sa.sin_addr = v4;
    std::memcpy(&a.storage, &sa, sizeof sa);
    a.length = sizeof sa;
    a.loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (bracketed && inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a.port);
    sa.sin6_addr = v6;
    std::memcpy(&a.storage, &sa, sizeof sa);
    a.length = sizeof sa;
    a.loopback = IN6_IS_ADDR_LOOPBACK(&v6) ||
                 (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  } else {
    return "'" + text + "': the address must be numeric IPv4, [IPv6] or localhost";
  }
  return a;
}

std::string check_listen_address(const std::string& text, bool allow_remote, const std::string& allow_option) {
  auto parsed = parse_listen_address(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  const auto& a = std::get<ListenAddress>(parsed);
  if (!a.loopback && !allow_remote)
    return "'" + text + "' is not a loopback address: anyone who reaches it can read the endpoint; refused unless " +
           allow_option + " is given";
  return {};
}

}  // namespace quante::http
