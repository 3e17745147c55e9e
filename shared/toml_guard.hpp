// A guard in front of toml++ 3.3.0 (Debian 12's libtomlplusplus-dev). Its
// is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable() for the code points
// U+FBE6..U+FEFE (the last child of its lookup table is missing from the switch), so a study or
// config file holding one, e.g. "a = 1\xEF\xB3\xBF", is undefined behaviour in the parser (found by
// tests/fuzz/fuzz_study and fuzz_*_config under UBSan, with g++ and clang alike). Those Arabic
// presentation forms have no business in these files: refuse them before toml++ sees the text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace quante {

// The 1-based line and column of the first such code point, as an error message; nullopt if none.
inline std::optional<std::string> toml_unsafe_text(std::string_view text) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < text.size(); ++i, ++column) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 == '\n') {
      ++line;
      column = 0;
    } else if (b0 == 0xEF && i + 2 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]), b2 = static_cast<unsigned char>(text[i + 2]);
      const unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && cp >= 0xFBE6 && cp <= 0xFEFE)
        return std::to_string(line) + ":" + std::to_string(column) +
               ": unsupported character (U+FBE6..U+FEFE: Arabic presentation forms)";
    }
  }
  return std::nullopt;
}

}  // namespace quante
