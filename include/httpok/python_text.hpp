// Python 3's repr() of a str and str() of a list of str, because superlance's messages
// embed them and users grep their logs and mails for those exact forms. Pure, no deps.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace httpok {

// Python's repr() of a str, as Python 3 prints it: 'x', "it's", escapes. Bytes that are
// not valid UTF-8 show as \udcNN, as Python shows a str decoded with surrogateescape.
std::string python_repr(std::string_view text);
// Python's str() of a list of strings: ['foo', 'bar'].
std::string python_list(const std::vector<std::string>& items);

}  // namespace httpok
