// A guard in front of toml++ 3.3.0 (Debian 12's libtomlplusplus-dev). Its
// is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable() for most non-ASCII code
// points of three blocks of its lookup table (U+00A1..U+0499, U+2D0E..U+3107 and U+FB26..U+FEFE,
// e.g. 'é'), which it is asked about for a character outside strings and comments: "a = 1é" or
// "é = 1" is undefined behaviour in the parser, with g++ as with clang (found by
// tests/fuzz/fuzz_study and fuzz_*_config under UBSan). TOML 1.0 allows no non-ASCII character
// outside strings and comments, so refusing every one there, before toml++ sees the text, changes
// only the error message of a file that was already invalid.
//
// A quote starts a string only where toml++ would start one: in a value, not inside a bare token
// (toml++ reads "2z'''é" as one token up to whitespace, ',', ']', '}' or '#', and asks about the
// 'é' in it; found by fuzz_tuner_config). Before a line's '=' (keys, table headers) a quote always
// starts a quoted key; an array or inline table keeps the value context across lines.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace quante {

// "LINE:COLUMN: ..." for the first non-ASCII byte outside strings and comments; nullopt if none.
inline std::optional<std::string> toml_unsafe_text(std::string_view text) {
  std::size_t line = 1, line_start = 0;
  std::size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a byte order mark, which toml++ skips
  auto starts = [&](std::string_view token) { return text.substr(i, token.size()) == token; };
  bool in_value = false;   // after the line's '=' (or inside an array or inline table)
  bool in_token = false;   // inside a bare value token (a number, a date, true, or junk)
  int depth = 0;           // open '[' and '{' of a value
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      in_value = depth > 0;
      in_token = false;
    } else if (c == '#') {  // a comment, to the end of the line
      while (i < text.size() && text[i] != '\n') ++i;
    } else if ((c == '"' || c == '\'') && in_token) {  // part of a bare token, not a string
      ++i;
    } else if (starts("\"\"\"") || starts("\'\'\'")) {  // multi-line string; up to 2 quotes may precede the end
      const std::string_view quotes = text.substr(i, 3);
      const bool escapes = c == '"';
      for (i += 3; i < text.size() && !starts(quotes); ++i) {
        if (text[i] == '\n') {
          ++line;
          line_start = i + 1;
        } else if (escapes && text[i] == '\\') {
          ++i;
          if (i < text.size() && text[i] == '\n') {
            ++line;
            line_start = i + 1;
          }
        }
      }
      i += 3;
      while (i < text.size() && text[i] == c) ++i;
    } else if (c == '"' || c == '\'') {  // a one-line string; toml++ refuses a newline in it
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i)
        if (c == '"' && text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
      if (i < text.size() && text[i] == c) ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return std::to_string(line) + ":" + std::to_string(i - line_start + 1) +
             ": a non-ASCII character outside a string or comment (not TOML)";
    } else {
      if (!in_value) {
        if (c == '=') in_value = true;
      } else if (in_token) {
        in_token = !(c == ' ' || c == '\t' || c == ',' || c == ']' || c == '}' || c == '\r');
        if (c == ']' || c == '}') depth = depth > 0 ? depth - 1 : 0;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        depth = depth > 0 ? depth - 1 : 0;
      } else if (c != ' ' && c != '\t' && c != ',' && c != '=' && c != '\r') {
        in_token = true;
      }
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace quante
