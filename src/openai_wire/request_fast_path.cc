// fast_parse_chat_request (request_fast_path.h): a strict RFC 8259 scanner specialised to the
// common Chat Completions body. Every check mirrors the full parser's (strict_json.cc,
// downstream_parse.cc, downstream_fields.cc); every doubt returns nullopt.
#include "openai_wire/request_fast_path.h"

#include "openai_wire/json_escape.h"
#include "openai_wire/literal_match.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "core/request_checks.h"
#include "openai_wire/client_body.h"
#include "openai_wire/json_util.h"

namespace roci::openai_wire::detail {
namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

struct Number {
  bool is_integer = false;  // written without fraction or exponent (Boost: int64)
  std::int64_t integer = 0;
  double real = 0;  // the value either way
};

// Top-level and message members, for duplicate detection.
enum TopKey : std::uint32_t {
  kModel = 1u << 0,
  kMessages = 1u << 1,
  kStream = 1u << 2,
  kStreamOptions = 1u << 3,
  kMaxTokens = 1u << 4,
  kTemperature = 1u << 5,
  kTopP = 1u << 6,
  kTopK = 1u << 7,
  kFrequencyPenalty = 1u << 8,
  kPresencePenalty = 1u << 9,
  kSeed = 1u << 10,
  kStop = 1u << 11,
  kN = 1u << 12,
  kUser = 1u << 13,
  kToolChoice = 1u << 14,
  kParallelToolCalls = 1u << 15,
};

class Scanner {
 public:
  Scanner(std::string_view body, const RequestLimits& limits)
      : begin_(body.data()), p_(body.data()), end_(body.data() + body.size()), limits_(limits) {}

  bool run(ChatRequestSlots out) {
    if (limits_.max_depth < 4) return false;
    auto body = std::make_shared<ClientBody>();
    body_ = body.get();
    if (!object(out) || !(seen_ & kMessages)) return false;
    skip_ws();
    if (p_ != end_) return false;  // trailing data
    if ((seen_ & kStreamOptions) && !out.stream) return false;
    record(out.request);
    body->text_size = static_cast<std::size_t>(end_ - begin_);
    out.request.client_body = std::move(body);
    return true;
  }

 private:
  // Most calls find no whitespace: that case is one inline comparison (every byte above the space
  // is no whitespace), the loop is out of line.
  void skip_ws() {
    if (p_ < end_ && (static_cast<unsigned char>(*p_) > ' ')) return;
    skip_ws_run();
  }
  [[gnu::noinline]] void skip_ws_run() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool eat(char c) {
    skip_ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    skip_ws();
    return p_ != end_ && *p_ == c;
  }
  std::size_t offset(const char* p) const { return static_cast<std::size_t>(p - begin_); }

  // A string at p_ (after whitespace). `view` is its decoded text: the body's bytes when it holds
  // no escape, else `scratch`.
  bool string(std::string_view& view, std::string& scratch) {
    if (!eat('"')) return false;
    const char* run = p_;
    bool escaped = false;
    while (true) {
      const char* q = find_string_special(p_, end_);
      if (q == end_) return false;
      const auto c = static_cast<unsigned char>(*q);
      if (c == '"') {
        if (escaped) {
          scratch.append(run, q);
          view = scratch;
        } else {
          view = std::string_view(run, static_cast<std::size_t>(q - run));
        }
        p_ = q + 1;
        return view.size() <= limits_.max_string_bytes;
      }
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence_length(std::string_view(q, end_ - q));
        if (n == 0) return false;
        p_ = q + n;
        continue;
      }
      if (c != '\\') return false;  // a control character
      if (!escaped) {
        scratch.clear();
        escaped = true;
      }
      scratch.append(run, q);
      p_ = q + 1;
      if (!escape(scratch)) return false;
      run = p_;
    }
  }

  // The escape after a backslash (p_ at its letter), decoded onto `out`.
  bool escape(std::string& out) { return decode_json_escape(p_, end_, out); }

  // A string copied into `out`.
  bool string_into(std::string& out) {
    std::string_view view;
    if (!string(view, scratch_)) return false;
    if (view.data() == scratch_.data()) {
      out.swap(scratch_);  // the decoded text; scratch_ takes what `out` held (nothing)
      scratch_.clear();
    } else {
      out.assign(view);
    }
    return true;
  }

  bool literal(std::string_view word) {
    skip_ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }
  bool boolean(bool& out) {
    skip_ws();
    if (p_ == end_) return false;
    if (*p_ == 't') return out = true, literal("true");
    if (*p_ == 'f') return out = false, literal("false");
    return false;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as Boost reads it: int64 without fraction and
  // exponent, else a double (computed exactly here only where that is a single rounding).
  bool number(Number& out) {
    skip_ws();
    const bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    std::uint64_t mantissa = 0;
    int digits = 0;
    auto digit = [&](char c) {  // `digits`: significant ones (no leading zero counts)
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
      if (mantissa != 0) ++digits;
    };
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9' && digits < 19) digit(*p_++);
    }
    if (p_ != end_ && *p_ >= '0' && *p_ <= '9') return false;  // too long (or a leading 0)
    int fraction = 0;
    bool real = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      real = true;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
        if (digits >= 19 || fraction > 64) return false;
        digit(*p_++);
        ++fraction;
      }
    }
    int exponent = 0;
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      real = true;
      bool exp_negative = false;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) exp_negative = *p_++ == '-';
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      int e_digits = 0;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
        if (++e_digits > 3) return false;
        exponent = exponent * 10 + (*p_++ - '0');
      }
      if (exp_negative) exponent = -exponent;
    }
    if (!real) {
      if (digits > 18) return false;  // Boost: past int64, uint64 or a double
      out.is_integer = true;
      out.integer =
          negative ? -static_cast<std::int64_t>(mantissa) : static_cast<std::int64_t>(mantissa);
      out.real = static_cast<double>(out.integer);
      return true;
    }
    const int power = exponent - fraction;
    if (digits > 15 || power < -22 || power > 22) return false;
    double v = static_cast<double>(mantissa);
    v = power < 0 ? v / kPow10[-power] : v * kPow10[power];
    out.is_integer = false;
    out.real = negative ? -v : v;
    return true;
  }
  bool integer(std::int64_t& out) {
    Number n;
    if (!number(n) || !n.is_integer) return false;
    out = n.integer;
    return true;
  }
  bool real_in(std::optional<double>& out, checks::NumberRange range) {
    Number n;
    if (!number(n) || !checks::in_range(n.real, range)) return false;
    out = n.real;
    return true;
  }

  // A member's value span, from its first byte (after whitespace) to p_.
  ClientBody::Span span_from(const char* start) const { return {offset(start), offset(p_)}; }
  const char* value_start() {
    skip_ws();
    return p_;
  }

  bool object(ChatRequestSlots out) {
    if (!eat('{')) return false;
    if (peek('}')) return false;  // no messages
    do {
      std::string_view key;
      if (!string(key, key_scratch_) || key.data() == key_scratch_.data() || !eat(':')) {
        return false;
      }
      if (!member(key, out)) return false;
    } while (eat(','));
    skip_ws();
    if (p_ == end_ || *p_ != '}') return false;
    body_->close = offset(p_);
    ++p_;
    return true;
  }

  bool first(TopKey k) {
    if (seen_ & k) return false;  // a duplicate key: the full parser names it
    seen_ |= k;
    return true;
  }

  bool member(std::string_view key, ChatRequestSlots out) {
    ProviderRequest& req = out.request;
    GenerationSettings& s = req.settings;
    if (is_literal(key, "messages")) return first(kMessages) && messages(req);
    if (is_literal(key, "model")) {
      if (!first(kModel)) return false;
      const char* start = value_start();
      if (!string_into(req.model)) return false;
      body_->model = span_from(start);
      return true;
    }
    if (is_literal(key, "stream")) {
      if (!first(kStream)) return false;
      const char* start = value_start();
      if (!boolean(out.stream)) return false;
      body_->stream = span_from(start);
      return true;
    }
    if (is_literal(key, "max_tokens")) {
      std::int64_t i = 0;
      if (!first(kMaxTokens) || !integer(i) ||
          !checks::max_tokens_valid(i, limits_.max_tokens_ceiling)) {
        return false;
      }
      s.max_tokens = static_cast<int>(i);
      return true;
    }
    if (is_literal(key, "temperature"))
      return first(kTemperature) && real_in(s.temperature, checks::kTemperature);
    if (is_literal(key, "top_p")) return first(kTopP) && real_in(s.top_p, checks::kTopP);
    if (is_literal(key, "frequency_penalty")) {
      return first(kFrequencyPenalty) && real_in(s.frequency_penalty, checks::kPenalty);
    }
    if (is_literal(key, "presence_penalty")) {
      return first(kPresencePenalty) && real_in(s.presence_penalty, checks::kPenalty);
    }
    if (is_literal(key, "stream_options")) return first(kStreamOptions) && stream_options(out);
    if (is_literal(key, "top_k")) {
      std::int64_t i = 0;
      if (!first(kTopK) || !integer(i) || !checks::top_k_valid(i)) return false;
      s.top_k = static_cast<int>(i);
      return true;
    }
    if (is_literal(key, "seed")) {
      std::int64_t i = 0;
      if (!first(kSeed) || !integer(i)) return false;
      s.seed = i;
      return true;
    }
    if (is_literal(key, "stop")) return first(kStop) && stop(s);
    if (is_literal(key, "n")) {
      std::int64_t i = 0;
      if (!first(kN) || !integer(i) || i < 2 || i > 128) return false;  // 1: not forwarded
      s.extra["n"] = i;
      return true;
    }
    if (is_literal(key, "user")) {
      if (!first(kUser)) return false;
      std::string user;
      if (!string_into(user)) return false;
      req.session_id = std::move(user);
      return true;
    }
    if (is_literal(key, "tool_choice")) {
      std::string_view v;
      if (!first(kToolChoice) || !string(v, scratch_)) return false;
      if (is_literal(v, "auto")) {
        req.tool_choice = ToolChoice{ToolChoice::Mode::kAuto, {}};
      } else if (is_literal(v, "none")) {
        req.tool_choice = ToolChoice{ToolChoice::Mode::kNone, {}};
      } else if (is_literal(v, "required")) {
        req.tool_choice = ToolChoice{ToolChoice::Mode::kRequired, {}};
      } else {
        return false;
      }
      return true;
    }
    if (is_literal(key, "parallel_tool_calls")) {
      bool b = false;
      if (!first(kParallelToolCalls) || !boolean(b)) return false;
      req.parallel_tool_calls = b;
      return true;
    }
    return false;  // null-free unknown members, tools, response_format, ...: the full parser
  }

  bool stream_options(ChatRequestSlots out) {
    const char* start = value_start();
    if (!eat('{')) return false;
    if (!peek('}')) {
      std::string_view key;
      bool b = false;
      if (!string(key, key_scratch_) || key != "include_usage" || !eat(':') || !boolean(b)) {
        return false;
      }
      out.include_usage = b;
    }
    if (!eat('}')) return false;
    body_->stream_options = span_from(start);
    return true;
  }

  bool stop(GenerationSettings& s) {
    if (!eat('[') || peek(']')) return false;  // [] is dropped by the encoder
    std::vector<std::string> stops;
    do {
      if (stops.size() == limits_.max_stop_sequences) return false;
      stops.emplace_back();
      if (!string_into(stops.back())) return false;
    } while (eat(','));
    if (!eat(']')) return false;
    s.stop_sequences = std::move(stops);
    return true;
  }

  bool messages(ProviderRequest& req) {
    if (!eat('[') || peek(']')) return false;
    req.messages.reserve(4);
    do {
      if (req.messages.size() == limits_.max_messages) return false;
      req.messages.emplace_back();
      if (!message(req.messages.back())) return false;
    } while (eat(','));
    return eat(']');
  }

  bool message(ModelMessage& m) {
    enum : unsigned { kRole = 1, kContent = 2, kName = 4, kToolCallId = 8 };
    unsigned seen = 0;
    bool has_role = false;
    if (!eat('{') || peek('}')) return false;
    do {
      std::string_view key;
      if (!string(key, key_scratch_) || key.data() == key_scratch_.data() || !eat(':')) {
        return false;
      }
      if (is_literal(key, "role")) {
        std::string_view v;
        if ((seen & kRole) || !string(v, scratch_)) return false;
        seen |= kRole;
        const auto role = parse_role(v);
        if (!role) return false;
        m.role = *role;
        has_role = true;
      } else if (is_literal(key, "content")) {
        if (seen & kContent) return false;
        seen |= kContent;
        skip_ws();
        if (p_ != end_ && *p_ == 'n') {
          if (!literal("null")) return false;
          m.content_is_null = true;
        } else if (!string_into(m.content)) {
          return false;
        }
      } else if (is_literal(key, "name")) {
        if ((seen & kName) || !string_into(m.name) || m.name.empty()) return false;
        seen |= kName;
      } else if (is_literal(key, "tool_call_id")) {
        if ((seen & kToolCallId) || !string_into(m.tool_call_id) || m.tool_call_id.empty()) {
          return false;
        }
        seen |= kToolCallId;
      } else {
        return false;  // tool_calls, refusal, ...: the full parser
      }
    } while (eat(','));
    if (!eat('}') || !has_role || !(seen & kContent)) return false;
    if (m.content_is_null && m.role != Role::kAssistant) return false;
    if (m.role == Role::kTool && m.tool_call_id.empty()) return false;
    if (m.role == Role::kDeveloper) body_->has_developer = true;
    return true;
  }

  // What the typed request holds now, for can_splice to compare later.
  void record(const ProviderRequest& req) {
    ClientBody& b = *body_;
    const GenerationSettings& s = req.settings;
    b.messages_digest = messages_digest(req.messages);
    b.extras = s.extra.size();
    b.stops = s.stop_sequences ? s.stop_sequences->size() : 0;
    b.max_tokens = s.max_tokens;
    b.temperature = s.temperature;
    b.top_p = s.top_p;
    b.top_k = s.top_k;
    b.frequency_penalty = s.frequency_penalty;
    b.presence_penalty = s.presence_penalty;
    b.seed = s.seed;
    if (req.tool_choice) b.tool_choice = req.tool_choice->mode;
    b.parallel_tool_calls = req.parallel_tool_calls;
    b.has_user = req.session_id.has_value();
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const RequestLimits& limits_;
  ClientBody* body_ = nullptr;
  std::uint32_t seen_ = 0;
  std::string scratch_;      // decoded strings with escapes
  std::string key_scratch_;  // keys (an escaped key is left to the full parser)
};

}  // namespace

bool fast_parse_chat_request(std::string_view body, const RequestLimits& limits,
                             ChatRequestSlots out) {
  return Scanner(body, limits).run(out);
}

}  // namespace roci::openai_wire::detail
