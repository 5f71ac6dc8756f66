#include <algorithm>
#include <cstdio>

#include "httpok/probe_result.hpp"

namespace httpok {

std::string_view to_string(ProbeFailure failure) noexcept {
  switch (failure) {
    case ProbeFailure::none:
      return "none";
    case ProbeFailure::dns:
      return "dns";
    case ProbeFailure::connect:
      return "connect";
    case ProbeFailure::timeout:
      return "timeout";
    case ProbeFailure::tls:
      return "tls";
    case ProbeFailure::protocol:
      return "protocol";
    case ProbeFailure::status:
      return "status";
    case ProbeFailure::local:
      return "local";
    case ProbeFailure::body:
      return "body";
  }
  return "unknown";
}

std::string status_outcome(const std::string& url, int status, const std::string& reason) {
  return "status contacting " + url + ": " + std::to_string(status) + " " + reason;
}

std::string error_outcome(const std::string& url, const std::string& error) {
  return "error contacting " + url + ":\n\n " + error;
}

ProbeFailure classify_response(int status, const std::vector<int>& codes, bool body_required,
                               bool body_found, bool absent_found) noexcept {
  if (std::find(codes.begin(), codes.end(), status) == codes.end())
    return ProbeFailure::status;
  if ((body_required && !body_found) || absent_found)
    return ProbeFailure::body;
  return ProbeFailure::none;
}

std::vector<ProbePhase> probe_phases(const ProbeTimings& t) {
  std::vector<ProbePhase> phases;
  // The ClientHello, made before the connect, is TLS work: it moves from the first phase
  // to tls once there is a connection to shake hands on.
  const std::uint64_t hello = t.connected_us != 0 ? t.tls_hello_us : 0;
  if (t.resolved_us != 0)
    phases.push_back({"resolve", t.resolved_us - hello});
  if (t.connected_us != 0)
    phases.push_back({"connect", t.connected_us - t.resolved_us - (t.resolved_us ? 0 : hello)});
  if (t.tls_done_us != 0)
    phases.push_back({"tls", t.tls_done_us - t.connected_us + hello});
  const std::uint64_t sent = t.tls_done_us != 0 ? t.tls_done_us : t.connected_us;
  if (t.first_byte_us != 0 && (sent != 0 || t.reused))
    phases.push_back({"processing", t.first_byte_us - sent});
  if (t.first_byte_us != 0 && t.total_us >= t.first_byte_us &&
      t.unfinished != ProbeTimings::Unfinished::transfer)
    phases.push_back({"transfer", t.total_us - t.first_byte_us});
  return phases;
}

std::string phases_text(const ProbeTimings& timings) {
  std::string text;
  const auto add = [&text](const char* name, std::uint64_t us) {
    char ms[48];
    std::snprintf(ms, sizeof ms, "%s %.1f ms", name, static_cast<double>(us) / 1000.0);
    text += (text.empty() ? "" : ", ") + std::string(ms);
  };
  std::uint64_t end = 0;
  for (const ProbePhase& phase : probe_phases(timings)) {
    add(phase.name, phase.us);
    end += phase.us;
  }
  using U = ProbeTimings::Unfinished;
  static constexpr const char* kDoing[] = {"",        "resolving", "connecting", "handshaking",
                                           "waiting", "receiving"};
  if (timings.unfinished != U::none && timings.total_us >= end)
    add(kDoing[static_cast<int>(timings.unfinished)], timings.total_us - end);
  return text;
}

std::string outcome_line(const ProbeResult& result) {
  const std::string phases = phases_text(result.timings);
  return one_line(result.outcome) + (phases.empty() ? "" : " (" + phases + ")");
}

std::string failure_subject(const std::string& url, ProbeFailure failure) {
  return url + (failure == ProbeFailure::body ? ": bad body returned" : ": bad status returned");
}

std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      // "error contacting URL:\n\n text" reads as "error contacting URL: text".
      while (i + 1 < text.size() &&
             (text[i + 1] == '\n' || text[i + 1] == '\r' || text[i + 1] == ' '))
        ++i;
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace httpok
