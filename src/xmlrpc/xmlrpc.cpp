// XML-RPC encoding (as Python's xmlrpc.client writes it) and decoding of supervisord's
// answers with libxml2, hardened: no network, no DTD, no entities, a size cap, and no
// output of libxml2's own on stdout or stderr.
#include "httpok/xmlrpc.hpp"

#include "httpok/python_text.hpp"

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

namespace httpok::xmlrpc {

const Value* Value::member(std::string_view name) const {
  const auto* members = std::get_if<Struct>(&v);
  if (members == nullptr) {
    return nullptr;
  }
  // The last of duplicate names wins, as in the dict Python's unmarshaller builds.
  const Value* found = nullptr;
  for (const auto& [key, value] : *members) {
    if (key == name) {
      found = &value;
    }
  }
  return found;
}

bool Value::operator==(const Value& other) const {
  return v == other.v;
}

// ---------------------------------------------------------------------------------------
// Encoding

namespace {

// Python's xmlrpc.client escapes exactly these three characters in text.
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
}

// Python's repr() of a float: the shortest digits that round-trip, in positional
// notation when the decimal exponent is in [-4, 16), else as d.ddde+XX.
std::string python_float_repr(double d) {
  if (std::isnan(d)) {
    return "nan";
  }
  if (std::isinf(d)) {
    return d < 0 ? "-inf" : "inf";
  }
  std::array<char, 64> buf{};
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  if (ec != std::errc{}) {
    return "nan";  // Cannot happen with a 64-byte buffer; keeps the function total.
  }
  std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const auto e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text.front() == '+') {
    exp_text.remove_prefix(1);
  }
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);

  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += exponent < 0 ? "e-" : "e+";
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) {
      out += '0';
    }
    out += std::to_string(magnitude);
    return out;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    out += digits;
    return out;
  }
  const auto int_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= int_digits) {
    out += digits;
    out.append(int_digits - digits.size(), '0');
    out += ".0";
  } else {
    out += digits.substr(0, int_digits);
    out += '.';
    out += digits.substr(int_digits);
  }
  return out;
}

void append_value(std::string& out, const Value& value);

struct ValueWriter {
  std::string& out;

  void operator()(const Nil&) const { out += "<value><nil/></value>"; }
  void operator()(std::int64_t i) const {
    // Python refuses integers outside 32 bits; supervisord's parser accepts <i8>, so we
    // send those rather than fail.
    const bool fits = i >= INT32_MIN && i <= INT32_MAX;
    out += fits ? "<value><int>" : "<value><i8>";
    out += std::to_string(i);
    out += fits ? "</int></value>\n" : "</i8></value>\n";
  }
  void operator()(bool b) const {
    out += "<value><boolean>";
    out += b ? '1' : '0';
    out += "</boolean></value>\n";
  }
  void operator()(const std::string& s) const {
    out += "<value><string>";
    append_escaped(out, s);
    out += "</string></value>\n";
  }
  void operator()(double d) const {
    out += "<value><double>";
    out += python_float_repr(d);
    out += "</double></value>\n";
  }
  void operator()(const Array& items) const {
    out += "<value><array><data>\n";
    for (const auto& item : items) {
      append_value(out, item);
    }
    out += "</data></array></value>\n";
  }
  void operator()(const Struct& members) const {
    out += "<value><struct>\n";
    for (const auto& [name, member] : members) {
      out += "<member>\n<name>";
      append_escaped(out, name);
      out += "</name>\n";
      append_value(out, member);
      out += "</member>\n";
    }
    out += "</struct></value>\n";
  }
};

void append_value(std::string& out, const Value& value) {
  std::visit(ValueWriter{out}, value.v);
}

}  // namespace

std::string encode_call(std::string_view method, const std::vector<Value>& params) {
  std::string out = "<?xml version='1.0'?>\n<methodCall>\n<methodName>";
  append_escaped(out, method);
  out += "</methodName>\n<params>\n";
  for (const auto& param : params) {
    out += "<param>\n";
    append_value(out, param);
    out += "</param>\n";
  }
  out += "</params>\n</methodCall>\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// Decoding

namespace {

// Deeper nesting than this is refused before our recursion could hurt (libxml2 also
// stops at 256 element levels on its own).
constexpr int kMaxValueDepth = 64;

// What the parse hooks observed; reached through the parser context's _private.
struct ParseReport {
  std::string first_error;
  bool forbidden = false;
};

std::string trim_message(const char* message) {
  std::string text = message == nullptr ? std::string("unknown XML error") : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

void record_structured_error(void* user_data, xmlErrorPtr error) {
  auto* report = static_cast<ParseReport*>(user_data);
  if (report == nullptr || error == nullptr || !report->first_error.empty()) {
    return;
  }
  if (error->level == XML_ERR_WARNING) {
    return;
  }
  report->first_error = trim_message(error->message);
  if (error->line > 0) {
    report->first_error += " (line " + std::to_string(error->line) + ")";
  }
}

// The parser's own channel: its data is the parser context, whose _private is the report.
void record_parser_error(void* user_data, xmlErrorPtr error) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(user_data);
  record_structured_error(ctxt == nullptr ? nullptr : ctxt->_private, error);
}

void discard_generic_error(void* /*ctx*/, const char* /*msg*/, ...) {}

// libxml2 reports errors through per-thread global handlers that default to printing on
// stderr. For the duration of one parse we route them to the report and restore
// whatever was installed before, so that nothing reaches our stderr (or stdout).
class ErrorHandlerScope {
 public:
  explicit ErrorHandlerScope(ParseReport* report)
      : saved_structured_(xmlStructuredError),
        saved_structured_context_(xmlStructuredErrorContext),
        saved_generic_(xmlGenericError),
        saved_generic_context_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(report, record_structured_error);
    xmlSetGenericErrorFunc(nullptr, discard_generic_error);
  }
  ~ErrorHandlerScope() {
    xmlSetStructuredErrorFunc(saved_structured_context_, saved_structured_);
    xmlSetGenericErrorFunc(saved_generic_context_, saved_generic_);
  }
  ErrorHandlerScope(const ErrorHandlerScope&) = delete;
  ErrorHandlerScope& operator=(const ErrorHandlerScope&) = delete;

 private:
  xmlStructuredErrorFunc saved_structured_;
  void* saved_structured_context_;
  xmlGenericErrorFunc saved_generic_;
  void* saved_generic_context_;
};

ParseReport* report_of(void* user_data) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(user_data);
  return ctxt == nullptr ? nullptr : static_cast<ParseReport*>(ctxt->_private);
}

// A DOCTYPE (with or without an internal subset) or an entity declaration stops the parse
// at once: no declaration is ever processed, so nothing can be expanded or loaded.
void forbid_doctype(void* user_data, const xmlChar* /*name*/, const xmlChar* /*external_id*/,
                    const xmlChar* /*system_id*/) {
  if (auto* report = report_of(user_data)) {
    report->forbidden = true;
  }
  xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
}

void forbid_entity_decl(void* user_data, const xmlChar* /*name*/, int /*type*/,
                        const xmlChar* /*public_id*/, const xmlChar* /*system_id*/,
                        xmlChar* /*content*/) {
  if (auto* report = report_of(user_data)) {
    report->forbidden = true;
  }
  xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
}

void forbid_reference(void* user_data, const xmlChar* /*name*/) {
  if (auto* report = report_of(user_data)) {
    report->forbidden = true;
  }
  xmlStopParser(static_cast<xmlParserCtxtPtr>(user_data));
}

struct CtxtDeleter {
  void operator()(xmlParserCtxtPtr ctxt) const { xmlFreeParserCtxt(ctxt); }
};
struct DocDeleter {
  void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
};

void init_parser_once() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string_view name_of(const xmlNode* node) {
  return node->name == nullptr ? std::string_view{}
                               : std::string_view(reinterpret_cast<const char*>(node->name));
}

std::string_view content_of(const xmlNode* node) {
  return node->content == nullptr ? std::string_view{}
                                  : std::string_view(reinterpret_cast<const char*>(node->content));
}

bool is_xml_space(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string_view trim_space(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Walks the tree of a methodResponse. Every method returns false after setting error_.
class TreeDecoder {
 public:
  const std::string& error() const { return error_; }

  bool response(const xmlNode* root, Response& out) {
    if (root == nullptr || name_of(root) != "methodResponse") {
      return fail("the root element is <" + std::string(root ? name_of(root) : "") +
                  ">, not <methodResponse>");
    }
    std::vector<const xmlNode*> parts;
    if (!elements(root, parts)) {
      return false;
    }
    if (parts.size() != 1) {
      return fail("<methodResponse> must hold exactly one <params> or <fault>");
    }
    const xmlNode* part = parts.front();
    if (name_of(part) == "params") {
      std::vector<const xmlNode*> params;
      if (!elements(part, params)) {
        return false;
      }
      if (params.size() != 1 || name_of(params.front()) != "param") {
        return fail("<params> of a response must hold exactly one <param>");
      }
      const xmlNode* value_node = nullptr;
      if (!single_value_child(params.front(), value_node)) {
        return false;
      }
      if (!value(value_node, out.value, 0)) {
        return false;
      }
      out.kind = Response::Kind::value;
      return true;
    }
    if (name_of(part) == "fault") {
      const xmlNode* value_node = nullptr;
      Value fault_value;
      if (!single_value_child(part, value_node) || !value(value_node, fault_value, 0)) {
        return false;
      }
      const Value* code = fault_value.member("faultCode");
      const Value* text = fault_value.member("faultString");
      if (code == nullptr || text == nullptr || !std::holds_alternative<std::int64_t>(code->v) ||
          !std::holds_alternative<std::string>(text->v)) {
        return fail("<fault> must be a struct with an int faultCode and a string faultString");
      }
      out.fault.code = std::get<std::int64_t>(code->v);
      out.fault.string = std::get<std::string>(text->v);
      out.kind = Response::Kind::fault;
      return true;
    }
    return fail("unexpected <" + std::string(name_of(part)) + "> in <methodResponse>");
  }

 private:
  bool fail(std::string text) {
    if (error_.empty()) {
      error_ = std::move(text);
    }
    return false;
  }

  // The element children of `node`; text between them must be white space.
  bool elements(const xmlNode* node, std::vector<const xmlNode*>& out) {
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      switch (child->type) {
        case XML_ELEMENT_NODE:
          out.push_back(child);
          break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
          if (!is_xml_space(content_of(child))) {
            return fail("unexpected text in <" + std::string(name_of(node)) + ">");
          }
          break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
          break;
        default:
          return fail("unexpected node in <" + std::string(name_of(node)) + ">");
      }
    }
    return true;
  }

  // The character data of a leaf element.
  bool text(const xmlNode* node, std::string& out) {
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      switch (child->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
          out += content_of(child);
          break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
          break;
        default:
          return fail("unexpected element in <" + std::string(name_of(node)) + ">");
      }
    }
    return true;
  }

  bool single_value_child(const xmlNode* node, const xmlNode*& out) {
    std::vector<const xmlNode*> children;
    if (!elements(node, children)) {
      return false;
    }
    if (children.size() != 1 || name_of(children.front()) != "value") {
      return fail("<" + std::string(name_of(node)) + "> must hold exactly one <value>");
    }
    out = children.front();
    return true;
  }

  bool value(const xmlNode* node, Value& out, int depth) {
    if (depth > kMaxValueDepth) {
      return fail("values nested more than " + std::to_string(kMaxValueDepth) + " deep");
    }
    std::vector<const xmlNode*> typed;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type == XML_ELEMENT_NODE) {
        typed.push_back(child);
      } else if (child->type != XML_TEXT_NODE && child->type != XML_CDATA_SECTION_NODE &&
                 child->type != XML_COMMENT_NODE && child->type != XML_PI_NODE) {
        return fail("unexpected node in <value>");
      }
    }
    if (typed.empty()) {
      // An untyped <value> is a string, white space included.
      std::string s;
      if (!text(node, s)) {
        return false;
      }
      out = Value(std::move(s));
      return true;
    }
    std::vector<const xmlNode*> check;
    if (!elements(node, check)) {
      return false;
    }
    if (typed.size() != 1) {
      return fail("<value> must hold one typed element");
    }
    return typed_value(typed.front(), out, depth);
  }

  bool typed_value(const xmlNode* node, Value& out, int depth) {
    const std::string_view type = name_of(node);
    if (type == "array") {
      return array(node, out, depth);
    }
    if (type == "struct") {
      return structure(node, out, depth);
    }
    if (type == "nil") {
      std::vector<const xmlNode*> children;
      if (!elements(node, children)) {
        return false;
      }
      if (!children.empty()) {
        return fail("<nil/> must be empty");
      }
      out = Value();
      return true;
    }
    std::string content;
    if (!text(node, content)) {
      return false;
    }
    if (type == "string" || type == "dateTime.iso8601") {
      out = Value(std::move(content));
      return true;
    }
    if (type == "int" || type == "i4" || type == "i8" || type == "i1" || type == "i2" ||
        type == "biginteger") {
      return integer(content, type, out);
    }
    if (type == "boolean") {
      const std::string_view trimmed = trim_space(content);
      if (trimmed == "0" || trimmed == "1") {
        out = Value(trimmed == "1");
        return true;
      }
      return fail("bad boolean value '" + content + "'");
    }
    if (type == "double" || type == "float" || type == "bigdecimal") {
      return floating(content, out);
    }
    if (type == "base64") {
      return base64(content, out);
    }
    return fail("unknown value type <" + std::string(type) + ">");
  }

  bool integer(const std::string& content, std::string_view type, Value& out) {
    std::string_view digits = trim_space(content);
    if (!digits.empty() && digits.front() == '+') {
      digits.remove_prefix(1);
    }
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
      return fail("bad <" + std::string(type) + "> value '" + content + "'");
    }
    out = Value(number);
    return true;
  }

  bool floating(const std::string& content, Value& out) {
    std::string_view digits = trim_space(content);
    if (!digits.empty() && digits.front() == '+') {
      digits.remove_prefix(1);
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
      return fail("bad <double> value '" + content + "'");
    }
    out = Value(number);
    return true;
  }

  // base64 decodes to its bytes, carried in a string.
  bool base64(const std::string& content, Value& out) {
    std::string bytes;
    std::uint32_t accumulator = 0;
    int bits = 0;
    int padding = 0;
    for (char c : content) {
      int sextet = -1;
      if (c >= 'A' && c <= 'Z') {
        sextet = c - 'A';
      } else if (c >= 'a' && c <= 'z') {
        sextet = c - 'a' + 26;
      } else if (c >= '0' && c <= '9') {
        sextet = c - '0' + 52;
      } else if (c == '+') {
        sextet = 62;
      } else if (c == '/') {
        sextet = 63;
      } else if (c == '=') {
        ++padding;
        continue;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        continue;
      }
      if (sextet < 0 || padding > 0) {
        return fail("bad <base64> value");
      }
      accumulator = (accumulator << 6) | static_cast<std::uint32_t>(sextet);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes += static_cast<char>((accumulator >> bits) & 0xFFu);
      }
    }
    if (padding > 2 || bits >= 6) {
      return fail("bad <base64> value");
    }
    out = Value(std::move(bytes));
    return true;
  }

  bool array(const xmlNode* node, Value& out, int depth) {
    std::vector<const xmlNode*> children;
    if (!elements(node, children)) {
      return false;
    }
    if (children.size() != 1 || name_of(children.front()) != "data") {
      return fail("<array> must hold exactly one <data>");
    }
    std::vector<const xmlNode*> items;
    if (!elements(children.front(), items)) {
      return false;
    }
    Array result;
    result.reserve(items.size());
    for (const xmlNode* item : items) {
      if (name_of(item) != "value") {
        return fail("unexpected <" + std::string(name_of(item)) + "> in <data>");
      }
      Value element;
      if (!value(item, element, depth + 1)) {
        return false;
      }
      result.push_back(std::move(element));
    }
    out = Value(std::move(result));
    return true;
  }

  bool structure(const xmlNode* node, Value& out, int depth) {
    std::vector<const xmlNode*> members;
    if (!elements(node, members)) {
      return false;
    }
    Struct result;
    result.reserve(members.size());
    for (const xmlNode* member : members) {
      if (name_of(member) != "member") {
        return fail("unexpected <" + std::string(name_of(member)) + "> in <struct>");
      }
      std::vector<const xmlNode*> parts;
      if (!elements(member, parts)) {
        return false;
      }
      const xmlNode* name_node = nullptr;
      const xmlNode* value_node = nullptr;
      for (const xmlNode* part : parts) {
        if (name_of(part) == "name" && name_node == nullptr) {
          name_node = part;
        } else if (name_of(part) == "value" && value_node == nullptr) {
          value_node = part;
        } else {
          return fail("unexpected <" + std::string(name_of(part)) + "> in <member>");
        }
      }
      if (name_node == nullptr || value_node == nullptr) {
        return fail("<member> must hold one <name> and one <value>");
      }
      std::string key;
      Value element;
      if (!text(name_node, key) || !value(value_node, element, depth + 1)) {
        return false;
      }
      result.emplace_back(std::move(key), std::move(element));
    }
    out = Value(std::move(result));
    return true;
  }

  std::string error_;
};

Response error_response(std::string text) {
  Response response;
  response.kind = Response::Kind::error;
  response.error = std::move(text);
  return response;
}

}  // namespace

Response decode_response(std::string_view document) {
  if (document.size() > kMaxResponseBytes) {
    return error_response("XML-RPC response too large: " + std::to_string(document.size()) +
                          " bytes (at most " + std::to_string(kMaxResponseBytes) + ")");
  }
  if (document.empty()) {
    return error_response("invalid XML-RPC response: empty document");
  }
  init_parser_once();

  ParseReport report;
  ErrorHandlerScope quiet(&report);
  std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
  if (!ctxt || ctxt->sax == nullptr) {
    return error_response("invalid XML-RPC response: cannot create an XML parser");
  }
  ctxt->_private = &report;
  ctxt->sax->internalSubset = forbid_doctype;
  ctxt->sax->externalSubset = forbid_doctype;
  ctxt->sax->entityDecl = forbid_entity_decl;
  ctxt->sax->reference = forbid_reference;
  // The structured handler gets the parser's errors with the context as data; route them
  // to the same report.
  ctxt->sax->serror = record_parser_error;
  ctxt->userData = ctxt.get();
  ctxt->sax->initialized = XML_SAX2_MAGIC;

  constexpr int kOptions =
      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, DocDeleter> doc(xmlCtxtReadMemory(
      ctxt.get(), document.data(), static_cast<int>(document.size()), nullptr, nullptr, kOptions));

  if (report.forbidden || (doc && (doc->intSubset != nullptr || doc->extSubset != nullptr))) {
    return error_response(
        "XML-RPC response refused: it contains a DOCTYPE, an entity declaration or an entity "
        "reference");
  }
  if (!doc || !ctxt->wellFormed) {
    std::string why = report.first_error;
    if (why.empty()) {
      const xmlError* last = xmlCtxtGetLastError(ctxt.get());
      why = last != nullptr && last->message != nullptr ? trim_message(last->message)
                                                        : std::string("not well-formed XML");
    }
    return error_response("invalid XML-RPC response: " + why);
  }

  TreeDecoder decoder;
  Response response;
  if (!decoder.response(xmlDocGetRootElement(doc.get()), response)) {
    return error_response("invalid XML-RPC response: " + decoder.error());
  }
  return response;
}

std::string fault_text(const Fault& fault) {
  return "<Fault " + std::to_string(fault.code) + ": " + python_repr(fault.string) + ">";
}

}  // namespace httpok::xmlrpc
