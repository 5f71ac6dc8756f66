// The pure part of the supervisor module: namespecs, error text, and the decoding of
// getAllProcessInfo's answer into ProcessInfo values.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "httpok/supervisor.hpp"

namespace httpok {

std::string make_namespec(const std::string& group, const std::string& name) {
  return group == name ? name : group + ":" + name;
}

std::string RpcError::describe() const {
  return fault ? xmlrpc::fault_text(*fault) : text;
}

namespace {

const char* type_name(const xmlrpc::Value& value) {
  struct Namer {
    const char* operator()(const xmlrpc::Nil&) const { return "nil"; }
    const char* operator()(std::int64_t) const { return "int"; }
    const char* operator()(bool) const { return "boolean"; }
    const char* operator()(const std::string&) const { return "string"; }
    const char* operator()(double) const { return "double"; }
    const char* operator()(const xmlrpc::Array&) const { return "array"; }
    const char* operator()(const xmlrpc::Struct&) const { return "struct"; }
  };
  return std::visit(Namer{}, value.v);
}

RpcResult<std::vector<ProcessInfo>> shape_error(std::string text) {
  RpcResult<std::vector<ProcessInfo>> result;
  result.error.text = "unexpected getAllProcessInfo answer: " + std::move(text);
  return result;
}

// Reads member `name` of type T into `out`; an absent member is an error only when
// `required`. Returns the error text, empty when fine.
template <class T>
std::string read_member(const xmlrpc::Value& info, const char* name, bool required, T& out) {
  const xmlrpc::Value* member = info.member(name);
  if (member == nullptr) {
    return required ? std::string("a process has no '") + name + "'" : std::string();
  }
  const T* typed = std::get_if<T>(&member->v);
  if (typed == nullptr) {
    return std::string("'") + name + "' is a " + type_name(*member);
  }
  out = *typed;
  return {};
}

}  // namespace

RpcResult<std::vector<ProcessInfo>> process_infos_from(const xmlrpc::Value& value) {
  const auto* items = std::get_if<xmlrpc::Array>(&value.v);
  if (items == nullptr) {
    return shape_error(std::string("expected an array, got a ") + type_name(value));
  }
  std::vector<ProcessInfo> infos;
  infos.reserve(items->size());
  for (const auto& item : *items) {
    if (!std::holds_alternative<xmlrpc::Struct>(item.v)) {
      return shape_error(std::string("expected an array of structs, got a ") + type_name(item));
    }
    // superlance reads name, group, state and pid; statename is informative only.
    ProcessInfo info;
    std::int64_t state = 0;
    for (const std::string& problem :
         {read_member(item, "name", true, info.name), read_member(item, "group", true, info.group),
          read_member(item, "state", true, state), read_member(item, "pid", false, info.pid),
          read_member(item, "statename", false, info.statename)}) {
      if (!problem.empty()) {
        return shape_error(problem);
      }
    }
    if (state < INT32_MIN || state > INT32_MAX) {
      return shape_error("'state' is out of range: " + std::to_string(state));
    }
    info.state = static_cast<int>(state);
    // Only --grace reads these: a value of another type is as good as none.
    for (auto [name, field] : {std::pair{"start", &info.start}, std::pair{"now", &info.now}}) {
      const xmlrpc::Value* member = item.member(name);
      if (const auto* seconds = member != nullptr ? std::get_if<std::int64_t>(&member->v) : nullptr)
        *field = *seconds;
    }
    infos.push_back(std::move(info));
  }
  RpcResult<std::vector<ProcessInfo>> result;
  result.value = std::move(infos);
  return result;
}

}  // namespace httpok
