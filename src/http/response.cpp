#include <llhttp.h>

#include <utility>

#include "httpok/http.hpp"

namespace httpok {

namespace {

// Whitespace to Python's str.strip() once the line is decoded as Latin-1.
bool python_latin1_space(unsigned char c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0;
}

}  // namespace

void python_reason(std::string& reason) {
  const auto space = [](char c) { return python_latin1_space(static_cast<unsigned char>(c)); };
  std::size_t end = reason.size();
  while (end > 0 && space(reason[end - 1]))
    --end;
  std::size_t begin = 0;
  while (begin < end && space(reason[begin]))
    ++begin;
  reason.erase(end);
  reason.erase(0, begin);
  // Latin-1 to UTF-8; the usual all-ASCII reason stays as it is.
  std::size_t high = 0;
  for (const char c : reason)
    high += static_cast<unsigned char>(c) >= 0x80 ? 1 : 0;
  if (high == 0)
    return;
  std::string out;
  out.reserve(reason.size() + high);
  for (const char ch : reason) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  reason = std::move(out);
}

// llhttp's parser and settings, kept out of the public header.
struct ResponseParser::Llhttp {
  llhttp_t parser;
  llhttp_settings_t settings;
};

ResponseParser::ResponseParser() : llhttp_(std::make_unique<Llhttp>()) {
  llhttp_settings_init(&llhttp_->settings);
  llhttp_->settings.on_status = [](llhttp_t* p, const char* at, std::size_t len) {
    return on_status(p->data, at, len);
  };
  llhttp_->settings.on_headers_complete = [](llhttp_t* p) { return on_headers_complete(p->data); };
  llhttp_->settings.on_body = [](llhttp_t* p, const char* at, std::size_t len) {
    return on_body(p->data, at, len);
  };
  llhttp_->settings.on_message_complete = [](llhttp_t* p) { return on_message_complete(p->data); };
  reset(Options{});
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::reset(Options options) {
  options_ = std::move(options);
  reset();
}

void ResponseParser::reset() {
  llhttp_init(&llhttp_->parser, HTTP_RESPONSE, &llhttp_->settings);
  llhttp_->parser.data = this;
  // As lenient as Python's http.client, which superlance used: a health check must not
  // fail a server over header bytes it would have accepted.
  llhttp_set_lenient_headers(&llhttp_->parser, 1);
  llhttp_set_lenient_chunked_length(&llhttp_->parser, 1);
  header_bytes_ = 0;
  state_ = State::in_progress;
  headers_complete_ = false;
  message_complete_ = false;
  status_ = 0;
  http_version_ = 0;
  reason_.clear();
  needle_.found = false;
  needle_.tail.clear();
  absent_.found = false;
  absent_.tail.clear();
  body_capped_ = false;
  trailing_bytes_ = false;
  body_bytes_ = 0;
  body_.clear();
  error_.clear();
}

int ResponseParser::on_status(void* self, const char* at, std::size_t len) {
  static_cast<ResponseParser*>(self)->reason_.append(at, len);
  return 0;
}

int ResponseParser::on_headers_complete(void* self) {
  auto* me = static_cast<ResponseParser*>(self);
  me->headers_complete_ = true;
  me->status_ = llhttp_get_status_code(&me->llhttp_->parser);
  me->http_version_ = llhttp_get_http_major(&me->llhttp_->parser) * 10 +
                      llhttp_get_http_minor(&me->llhttp_->parser);
  python_reason(me->reason_);
  // llhttp: 1 means "no body follows": the answer to HEAD, and 204 and 304, which never
  // have one whatever their headers say (a kept connection would wait for it); not for
  // interim 1xx.
  const bool bodiless = me->status_ == 204 || me->status_ == 304;
  return (me->options_.head || bodiless) && me->status_ >= 200 ? 1 : 0;
}

void ResponseParser::search(std::string_view needle, Search& state, std::string_view chunk) {
  if (needle.empty() || state.found)
    return;
  std::string& tail = state.tail;
  // A match split across reads: the kept tail plus the start of this chunk.
  if (!tail.empty()) {
    const std::string joined = tail + std::string(chunk.substr(0, needle.size() - 1));
    if (joined.find(needle) != std::string::npos) {
      state.found = true;
      return;
    }
  }
  if (chunk.find(needle) != std::string_view::npos) {
    state.found = true;
    return;
  }
  const std::size_t keep = needle.size() - 1;
  if (chunk.size() >= keep) {
    tail.assign(chunk.substr(chunk.size() - keep));
  } else {
    tail.append(chunk);
    if (tail.size() > keep)
      tail.erase(0, tail.size() - keep);
  }
}

int ResponseParser::on_body(void* self, const char* at, std::size_t len) {
  auto* me = static_cast<ResponseParser*>(self);
  const std::size_t room = me->options_.max_body - me->body_bytes_;
  const std::string_view chunk(at, len < room ? len : room);
  me->body_bytes_ += chunk.size();
  search(me->options_.needle, me->needle_, chunk);
  search(me->options_.absent, me->absent_, chunk);
  if (me->options_.keep_body)
    me->body_.append(chunk);
  if (me->body_bytes_ >= me->options_.max_body) {
    // Looked at as much as we may: stop here, the exchange is over for us.
    me->body_capped_ = true;
    return HPE_PAUSED;
  }
  return 0;
}

int ResponseParser::on_message_complete(void* self) {
  auto* me = static_cast<ResponseParser*>(self);
  if (me->status_ >= 100 && me->status_ < 200 && me->status_ != 101) {
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
    me->headers_complete_ = false;
    me->status_ = 0;
    me->reason_.clear();
    return 0;
  }
  me->message_complete_ = true;
  return HPE_PAUSED;  // one message per exchange; anything after it is not ours
}

ResponseParser::State ResponseParser::fail(std::string message) {
  error_ = std::move(message);
  state_ = State::error;
  return state_;
}

ResponseParser::State ResponseParser::feed(std::string_view bytes) {
  // Until the header section is complete, llhttp gets at most what is left of the cap, so
  // that the cap is the same however the response is split into reads.
  while (state_ == State::in_progress && !bytes.empty()) {
    std::string_view piece = bytes;
    if (!headers_complete_) {
      piece = bytes.substr(0, kMaxHeaderBytes - header_bytes_);
      header_bytes_ += piece.size();
    }
    bytes.remove_prefix(piece.size());
    const llhttp_errno_t err = llhttp_execute(&llhttp_->parser, piece.data(), piece.size());
    if (err != HPE_PAUSED && err != HPE_OK) {
      const char* reason = llhttp_get_error_reason(&llhttp_->parser);
      return fail(std::string("malformed HTTP response: ") +
                  (reason != nullptr ? reason : llhttp_errno_name(err)));
    }
    if (message_complete_ || body_capped_) {
      state_ = State::complete;
      // Bytes after the message (paused at its end) belong to no exchange of ours.
      const char* end = piece.data() + piece.size();
      const char* at = err == HPE_PAUSED ? llhttp_get_error_pos(&llhttp_->parser) : end;
      trailing_bytes_ = (at != nullptr && at < end) || !bytes.empty();
    } else if (!headers_complete_ && header_bytes_ >= kMaxHeaderBytes) {
      // llhttp keeps no headers, but the reason phrase is kept, and an endless header
      // section would only end at the deadline.
      return fail("response headers longer than " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
  }
  return state_;
}

bool ResponseParser::keep_alive() const {
  return state_ == State::complete && message_complete_ && !trailing_bytes_ &&
         llhttp_should_keep_alive(&llhttp_->parser) != 0;
}

ResponseParser::State ResponseParser::finish() {
  if (state_ != State::in_progress)
    return state_;
  const llhttp_errno_t err = llhttp_finish(&llhttp_->parser);
  if ((err == HPE_OK || err == HPE_PAUSED) && message_complete_) {
    state_ = State::complete;
    return state_;
  }
  if (!headers_complete_) {
    return fail(status_ == 0 && reason_.empty() ? "Remote end closed connection without response"
                                                : "connection closed inside the response headers");
  }
  return fail("connection closed before the end of the response body");
}

}  // namespace httpok
