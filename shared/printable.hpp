// Text that came from a peer (worker names, reasons) is checked before it is kept and escaped
// before it is logged: a name that is not UTF-8, or holds control characters, must not reach a
// terminal or the journal raw.
#pragma once

#include <string>
#include <string_view>

namespace quante {

// True for valid UTF-8 without control characters (below 0x20, and 0x7f).
bool is_printable_utf8(std::string_view text);

// The text with every byte that is not part of printable UTF-8 written as \xNN.
std::string printable(std::string_view text);

}  // namespace quante
