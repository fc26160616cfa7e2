// Minimal HTTP/1.1 response parser and SSE event splitter for the benchmark clients.
//
// Incremental, allocation-light, no dependency: the load client feeds whatever a read returned and
// gets the status, the de-chunked body bytes, and "done" when the response is complete. Supports
// Content-Length, Transfer-Encoding: chunked and read-until-close bodies. Not a general parser:
// it trusts loopback servers that we start ourselves, but it rejects what it does not understand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace roci::bench {

inline bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char a = line[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != name[i]) return false;
  }
  return true;
}

inline bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals_prefix(hay.substr(i), needle)) return true;
  }
  return false;
}

class ResponseParser {
 public:
  enum class Status { kMore, kDone, kError };

  void reset() { *this = ResponseParser{}; }

  // Feeds bytes; calls on_body(std::string_view) for each run of body bytes. Sets *consumed to
  // the bytes used (the rest belongs to the next response; we never pipeline, so it is an error
  // for callers to see leftovers).
  template <class OnBody>
  Status feed(const char* data, std::size_t size, std::size_t* consumed, OnBody&& on_body) {
    std::size_t i = 0;
    while (i < size) {
      switch (state_) {
        case State::kHead: {
          // Append up to the end of the head.
          const std::size_t before = head_.size();
          head_.append(data + i, size - i);
          const std::size_t from = before >= 3 ? before - 3 : 0;
          const std::size_t end = head_.find("\r\n\r\n", from);
          if (end == std::string::npos) {
            if (head_.size() > 65536) return fail(consumed, size);
            i = size;
            break;
          }
          const std::size_t used_here = end + 4 - before;
          head_.resize(end + 4);
          i += used_here;
          if (!parse_head()) return fail(consumed, i);
          if (state_ == State::kDone) {
            *consumed = i;
            return Status::kDone;
          }
          break;
        }
        case State::kBodyLength: {
          const std::size_t take = std::min<std::size_t>(remaining_, size - i);
          if (take) on_body(std::string_view(data + i, take));
          remaining_ -= take;
          i += take;
          if (remaining_ == 0) {
            state_ = State::kDone;
            *consumed = i;
            return Status::kDone;
          }
          break;
        }
        case State::kBodyEof:
          on_body(std::string_view(data + i, size - i));
          i = size;
          break;
        case State::kChunkSize: {
          const char c = data[i++];
          if (c == '\n') {
            std::uint64_t n = 0;
            std::size_t digits = 0;
            for (char h : line_) {
              int v;
              if (h >= '0' && h <= '9')
                v = h - '0';
              else if (h >= 'a' && h <= 'f')
                v = h - 'a' + 10;
              else if (h >= 'A' && h <= 'F')
                v = h - 'A' + 10;
              else
                break;
              n = n * 16 + static_cast<std::uint64_t>(v);
              if (++digits > 15) return fail(consumed, i);
            }
            if (digits == 0) return fail(consumed, i);
            line_.clear();
            if (n == 0) {
              state_ = State::kTrailers;
            } else {
              remaining_ = n;
              state_ = State::kChunkData;
            }
          } else if (c != '\r') {
            if (line_.size() > 256) return fail(consumed, i);
            line_.push_back(c);
          }
          break;
        }
        case State::kChunkData: {
          const std::size_t take = std::min<std::size_t>(remaining_, size - i);
          on_body(std::string_view(data + i, take));
          remaining_ -= take;
          i += take;
          if (remaining_ == 0) state_ = State::kChunkEnd;
          break;
        }
        case State::kChunkEnd: {
          const char c = data[i++];
          if (c == '\n')
            state_ = State::kChunkSize;
          else if (c != '\r')
            return fail(consumed, i);
          break;
        }
        case State::kTrailers: {
          const char c = data[i++];
          if (c == '\n') {
            if (line_.empty()) {
              state_ = State::kDone;
              *consumed = i;
              return Status::kDone;
            }
            line_.clear();
          } else if (c != '\r') {
            if (line_.size() > 4096) return fail(consumed, i);
            line_.push_back(c);
          }
          break;
        }
        case State::kDone:
          *consumed = i;
          return Status::kDone;
        case State::kError:
          return fail(consumed, i);
      }
    }
    *consumed = i;
    return state_ == State::kDone ? Status::kDone : Status::kMore;
  }

  // The peer closed the connection: completes a read-until-close body.
  Status on_eof() {
    if (state_ == State::kBodyEof) {
      state_ = State::kDone;
      return Status::kDone;
    }
    return Status::kError;
  }

  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  bool in_head() const { return state_ == State::kHead; }

 private:
  enum class State {
    kHead,
    kBodyLength,
    kBodyEof,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailers,
    kDone,
    kError
  };

  Status fail(std::size_t* consumed, std::size_t at) {
    state_ = State::kError;
    *consumed = at;
    return Status::kError;
  }

  bool parse_head() {
    std::string_view head(head_);
    if (!head.starts_with("HTTP/1.")) return false;
    const bool http10 = head.starts_with("HTTP/1.0");
    keep_alive_ = !http10;
    const std::size_t sp = head.find(' ');
    if (sp == std::string_view::npos || sp + 4 > head.size()) return false;
    status_ = 0;
    for (std::size_t k = sp + 1; k < sp + 4; ++k) {
      if (head[k] < '0' || head[k] > '9') return false;
      status_ = status_ * 10 + (head[k] - '0');
    }
    bool chunked = false;
    bool have_length = false;
    std::uint64_t length = 0;
    std::size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      const std::size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos || eol == pos) break;
      std::string_view line = head.substr(pos, eol - pos);
      pos = eol + 2;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      if (iequals_prefix(line, "content-length:")) {
        have_length = true;
        length = 0;
        for (char c : value) {
          if (c < '0' || c > '9') break;
          length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
      } else if (iequals_prefix(line, "transfer-encoding:")) {
        chunked = icontains(value, "chunked");
      } else if (iequals_prefix(line, "connection:")) {
        if (icontains(value, "close")) keep_alive_ = false;
        if (icontains(value, "keep-alive")) keep_alive_ = true;
      }
    }
    if (status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
      state_ = State::kDone;
    } else if (chunked) {
      state_ = State::kChunkSize;
    } else if (have_length) {
      remaining_ = length;
      state_ = length == 0 ? State::kDone : State::kBodyLength;
    } else {
      keep_alive_ = false;
      state_ = State::kBodyEof;
    }
    return true;
  }

  State state_ = State::kHead;
  std::string head_;
  std::string line_;
  std::uint64_t remaining_ = 0;
  int status_ = 0;
  bool keep_alive_ = true;
};

// Splits a body into SSE events (blank-line separated; CR dropped). Calls on_event(event_text)
// with the text of each complete event (without the blank line).
class SseSplitter {
 public:
  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    for (char c : bytes) {
      if (c == '\r') continue;
      if (c == '\n' && !carry_.empty() && carry_.back() == '\n') {
        carry_.pop_back();
        if (!carry_.empty()) on_event(std::string_view(carry_));
        carry_.clear();
        continue;
      }
      carry_.push_back(c);
    }
  }
  void reset() { carry_.clear(); }

 private:
  std::string carry_;
};

}  // namespace roci::bench
