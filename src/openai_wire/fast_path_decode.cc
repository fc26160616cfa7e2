#include "openai_wire/fast_path_decode.h"

#include "openai_wire/json_escape.h"
#include "openai_wire/json_util.h"
#include "openai_wire/literal_match.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

namespace roci::openai_wire::detail {
namespace {

// Where the scanner is: the objects of the common shape, nothing else.
enum class Scope : std::uint8_t { kRoot, kChoice, kDelta, kUsage };

// The keys the common shape may hold; each scope accepts its own subset.
enum class Key : std::uint8_t {
  kNone,
  kId,
  kObject,
  kCreated,
  kModel,
  kSystemFingerprint,
  kChoices,
  kUsage,
  kIndex,
  kDelta,
  kLogprobs,
  kFinishReason,
  kRole,
  kContent,
  kReasoningContent,
  kReasoning,
  kServiceTier,
  kObfuscation,
  kRefusal,
  kPromptTokens,
  kCompletionTokens,
  kTotalTokens,
};

// `inner` is the choice's payload key: "delta" in a chunk, "message" in a chat.completion. The
// length picks the candidates; one memcmp confirms.
Key key_in(Scope scope, std::string_view k, std::string_view inner) {
  switch (scope) {
    case Scope::kRoot:
      switch (k.size()) {
        case 2:
          return is_literal(k, "id") ? Key::kId : Key::kNone;
        case 5:
          if (is_literal(k, "model")) return Key::kModel;
          return is_literal(k, "usage") ? Key::kUsage : Key::kNone;
        case 6:
          return is_literal(k, "object") ? Key::kObject : Key::kNone;
        case 7:
          if (is_literal(k, "created")) return Key::kCreated;
          return is_literal(k, "choices") ? Key::kChoices : Key::kNone;
        case 11:
          return is_literal(k, "obfuscation") ? Key::kObfuscation : Key::kNone;  // OpenAI
        case 12:
          return is_literal(k, "service_tier") ? Key::kServiceTier : Key::kNone;  // OpenAI
        case 18:
          return is_literal(k, "system_fingerprint") ? Key::kSystemFingerprint : Key::kNone;
        default:
          return Key::kNone;
      }
    case Scope::kChoice:
      if (k.size() == inner.size() && std::memcmp(k.data(), inner.data(), k.size()) == 0) {
        return Key::kDelta;
      }
      switch (k.size()) {
        case 5:
          return is_literal(k, "index") ? Key::kIndex : Key::kNone;
        case 8:
          return is_literal(k, "logprobs") ? Key::kLogprobs : Key::kNone;
        case 13:
          return is_literal(k, "finish_reason") ? Key::kFinishReason : Key::kNone;
        default:
          return Key::kNone;
      }
    case Scope::kDelta:
      switch (k.size()) {
        case 4:
          return is_literal(k, "role") ? Key::kRole : Key::kNone;
        case 7:
          if (is_literal(k, "content")) return Key::kContent;
          return is_literal(k, "refusal") ? Key::kRefusal
                                          : Key::kNone;  // OpenAI; the tree ignores it too
        case 9:
          return is_literal(k, "reasoning") ? Key::kReasoning : Key::kNone;
        case 17:
          return is_literal(k, "reasoning_content") ? Key::kReasoningContent : Key::kNone;
        default:
          return Key::kNone;
      }
    case Scope::kUsage:
      switch (k.size()) {
        case 12:
          return is_literal(k, "total_tokens") ? Key::kTotalTokens : Key::kNone;
        case 13:
          return is_literal(k, "prompt_tokens") ? Key::kPromptTokens : Key::kNone;
        case 17:
          return is_literal(k, "completion_tokens") ? Key::kCompletionTokens : Key::kNone;
        default:
          return Key::kNone;
      }
  }
  return Key::kNone;
}

constexpr std::uint32_t key_bit(Key key) { return std::uint32_t{1} << static_cast<unsigned>(key); }

int clamp_to_int(std::int64_t v) {
  return static_cast<int>(std::clamp<std::int64_t>(v, INT_MIN, INT_MAX));
}

// One pass over a payload of the common shape (recursive descent, at most four objects deep:
// root > choices > choice > delta). Every method returns false to decline.
class ShapeScanner {
 public:
  ShapeScanner(std::string_view data, std::string_view inner, CommonShape& out,
               std::string& scratch)
      : p_(data.data()),
        end_(data.data() + data.size()),
        size_(data.size()),
        inner_(inner),
        out_(out),
        scratch_(scratch) {}

  bool run() {
    skip_ws();
    if (!eat('{') || !object(Scope::kRoot)) return false;
    skip_ws();
    return p_ == end_;
  }

  // The string whose text starts at `offset` (after its opening quote); true when it is valid and
  // its closing quote is at `close`.
  bool string_at(std::size_t offset, std::size_t close, std::string_view& text) {
    p_ = end_ - size_ + offset;
    return string(text) && p_ == end_ - size_ + close + 1;
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
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // After '{': the members, up to and including '}'. Keys hold no escapes (a key that needs one
  // matches none of the shape's keys anyway), and none repeats.
  bool object(Scope scope) {
    std::uint32_t seen = 0;
    skip_ws();
    if (eat('}')) return true;
    while (true) {
      skip_ws();
      if (!eat('"')) return false;
      // A key holding anything next_special stops at but its closing quote matches no key.
      const char* close = find_string_special(p_, end_);
      if (close == end_ || *close != '"') return false;
      const Key key = key_in(scope, std::string_view(p_, close - p_), inner_);
      p_ = close + 1;
      if (key == Key::kNone) return false;
      const auto bit = key_bit(key);
      if ((seen & bit) != 0) return false;  // a duplicate key: the tree keeps one of them
      seen |= bit;
      out_.members[static_cast<std::size_t>(scope)] = seen;
      skip_ws();
      if (!eat(':')) return false;
      skip_ws();
      if (!member(scope, key)) return false;
      skip_ws();
      if (eat(',')) continue;
      return eat('}');
    }
  }

  bool member(Scope scope, Key key) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '"':
        return string_member(scope, key);
      case 'n':
        return null_member(scope, key);
      case '{':
        ++p_;
        if (scope == Scope::kRoot && key == Key::kUsage) {
          out_.has_usage = true;
          return object(Scope::kUsage);
        }
        if (scope == Scope::kChoice && key == Key::kDelta) {
          out_.has_message = true;
          return object(Scope::kDelta);
        }
        return false;
      case '[':
        ++p_;
        return scope == Scope::kRoot && key == Key::kChoices && choices();
      default:
        return integer_member(scope, key);
    }
  }

  // After '[' of "choices": nothing, or one object (n > 1: which choice is first needs the tree).
  bool choices() {
    skip_ws();
    if (eat(']')) return true;
    if (!eat('{')) return false;
    out_.has_choice = true;
    if (!object(Scope::kChoice)) return false;
    skip_ws();
    return eat(']');
  }

  bool string_member(Scope scope, Key key) {
    ++p_;  // the opening quote
    std::string_view text;
    if (!string(text)) return false;
    switch (scope) {
      case Scope::kRoot:
        if (key == Key::kId) {
          out_.id = text;
        } else if (key == Key::kModel) {
          out_.model = text;
        } else if (key == Key::kSystemFingerprint) {
          out_.system_fingerprint = text;
        } else if (key == Key::kObject) {
          out_.object = text;
        } else if (key != Key::kServiceTier && key != Key::kObfuscation) {
          return false;
        }
        return true;
      case Scope::kChoice:
        if (key != Key::kFinishReason) return false;
        out_.finish_reason = text;
        return true;
      case Scope::kDelta:
        if (key == Key::kContent) {
          out_.content = text;
        } else if (key == Key::kReasoningContent) {
          out_.reasoning_content = text;
        } else if (key == Key::kReasoning) {
          out_.reasoning = text;
        } else if (key == Key::kRole) {
          out_.role = text;
        }
        return true;  // refusal: read past, as the tree decoder does
      case Scope::kUsage:
        return false;
    }
    return false;
  }

  // null reads as absent for every field of the shape except the containers the tree needs.
  bool null_member(Scope scope, Key key) {
    if (end_ - p_ < 4 || std::memcmp(p_, "null", 4) != 0) return false;
    p_ += 4;
    return (scope == Scope::kRoot && key != Key::kChoices) ||
           (scope == Scope::kChoice && key != Key::kDelta) || scope == Scope::kDelta;
  }

  // A non-negative integer up to INT64_MAX (no sign, fraction or exponent: those decline, as
  // does a larger number, which Boost.JSON reads as uint64 or double).
  bool integer_member(Scope scope, Key key) {
    const char* start = p_;
    std::uint64_t u = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9' && p_ - start < 18) {  // 18 digits cannot overflow
      u = u * 10 + static_cast<std::uint64_t>(*p_ - '0');
      ++p_;
    }
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {  // the 19th digit and on: checked
      const auto d = static_cast<std::uint64_t>(*p_ - '0');
      if (u > (static_cast<std::uint64_t>(INT64_MAX) - d) / 10) return false;
      u = u * 10 + d;
      ++p_;
    }
    if (p_ == start || (*start == '0' && p_ - start > 1)) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    const auto v = static_cast<std::int64_t>(u);
    if (scope == Scope::kRoot && key == Key::kCreated) {
      out_.created = v;
    } else if (scope == Scope::kChoice && key == Key::kIndex) {
      if (v != 0) return false;  // another choice of an n > 1 answer: the tree numbers it
    } else if (scope == Scope::kUsage && key == Key::kPromptTokens) {
      out_.prompt_tokens = clamp_to_int(v);
    } else if (scope == Scope::kUsage && key == Key::kCompletionTokens) {
      out_.completion_tokens = clamp_to_int(v);
    } else if (scope == Scope::kUsage && key == Key::kTotalTokens) {
      out_.total_tokens = clamp_to_int(v);
    } else {
      return false;
    }
    return true;
  }

  // After the opening quote: the string's text, up to and including the closing quote. Without
  // escapes the text is a span of the payload.
  bool string(std::string_view& text) {
    const char* start = p_;
    while ((p_ = find_string_special(p_, end_)) < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        text = std::string_view(start, p_ - start);
        ++p_;
        return true;
      }
      if (c == '\\') return escaped_string(start, text);
      if (c < 0x20) return false;
      const std::size_t n = utf8_sequence_length(std::string_view(p_, end_ - p_));  // c >= 0x80
      if (n == 0) return false;
      p_ += n;
    }
    return false;
  }

  // The rest of a string from its first escape on, unescaped into the scratch string.
  bool escaped_string(const char* start, std::string_view& text) {
    // Unescaped text is never longer than its source: one reserve for the whole payload keeps the
    // earlier views into the scratch string valid.
    if (scratch_.capacity() < size_) scratch_.reserve(size_);
    const std::size_t from = scratch_.size();
    scratch_.append(start, p_ - start);
    while (p_ < end_) {
      const char* run = p_;
      p_ = find_string_special(p_, end_);
      scratch_.append(run, p_ - run);
      if (p_ == end_) break;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        text = std::string_view(scratch_.data() + from, scratch_.size() - from);
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return false;
      } else {
        const std::size_t n = utf8_sequence_length(std::string_view(p_, end_ - p_));
        if (n == 0) return false;
        scratch_.append(p_, n);
        p_ += n;
      }
    }
    return false;
  }

  // At a backslash: one escape, appended to the scratch string.
  bool escape() {
    ++p_;
    return decode_json_escape(p_, end_, scratch_);
  }

  const char* p_;
  const char* end_;
  std::size_t size_;
  std::string_view inner_;
  CommonShape& out_;
  std::string& scratch_;
};

}  // namespace

std::optional<Usage> CommonShape::usage() const {
  if (!has_usage) return std::nullopt;
  const long long sum = static_cast<long long>(prompt_tokens) + completion_tokens;
  return Usage{prompt_tokens, completion_tokens,
               total_tokens.value_or(static_cast<int>(std::min<long long>(sum, INT_MAX)))};
}

bool scan_common_shape(std::string_view data, ShapeKind kind, CommonShape& out,
                       std::string& scratch) {
  out = CommonShape{};
  scratch.clear();
  try {
    ShapeScanner scanner(data, kind == ShapeKind::kChunk ? "delta" : "message", out, scratch);
    return scanner.run();
  } catch (...) {  // std::bad_alloc from the scratch string: the general path reports it
    return false;
  }
}

namespace {

// `view` moved from `from` to `to`: the same offset when it lies before `cut`, else the same
// distance from the end. Views into neither (the scratch string) are left as they are.
std::string_view rebase(std::string_view view, std::string_view from, std::string_view to,
                        std::size_t cut) {
  if (view.data() < from.data() || view.data() > from.data() + from.size()) return view;
  const auto offset = static_cast<std::size_t>(view.data() - from.data());
  const std::size_t at = offset < cut ? offset : to.size() - (from.size() - offset);
  return {to.data() + at, view.size()};
}

// `out` = `shape` with its string views (but content) rebased from `from` to `to`; assigned in
// place (no temporary: this runs for most chunks of a stream).
void assign_rebased(CommonShape& out, const CommonShape& shape, std::string_view from,
                    std::string_view to, std::size_t cut) {
  out = shape;
  out.id = rebase(shape.id, from, to, cut);
  out.model = rebase(shape.model, from, to, cut);
  out.system_fingerprint = rebase(shape.system_fingerprint, from, to, cut);
  out.object = rebase(shape.object, from, to, cut);
  out.role = rebase(shape.role, from, to, cut);
}

// True when `view` lies in `text`, or is empty without a place (an absent field).
bool in(std::string_view view, std::string_view text) {
  if (view.data() == nullptr) return true;
  return view.data() >= text.data() && view.data() + view.size() <= text.data() + text.size();
}

// A longer chunk is not kept as a template: a stream holds it for its whole life.
constexpr std::size_t kMaxTemplateBytes = 2048;

}  // namespace

bool ChunkScanner::scan(std::string_view data, CommonShape& out, std::string& scratch) {
  if (!template_.empty() && scan_like_template(data, out, scratch)) return true;
  if (!scan_common_shape(data, ShapeKind::kChunk, out, scratch)) return false;
  keep_template(data, out);
  return true;
}

bool ChunkScanner::scan_like_template(std::string_view data, CommonShape& out,
                                      std::string& scratch) const {
  const std::string_view t = template_;
  const std::size_t suffix = t.size() - content_end_;
  // memcmp on spans of equal size (string_view's == goes through an out-of-line compare()).
  if (data.size() < content_begin_ + suffix ||
      std::memcmp(data.data(), t.data(), content_begin_) != 0 ||
      std::memcmp(data.data() + data.size() - suffix, t.data() + content_end_, suffix) != 0) {
    return false;
  }
  scratch.clear();
  std::string_view content;
  try {
    ShapeScanner scanner(data, "delta", out, scratch);
    if (!scanner.string_at(content_begin_, data.size() - suffix, content)) return false;
  } catch (...) {  // std::bad_alloc from the scratch string: the full scan reports it
    return false;
  }
  assign_rebased(out, shape_, t, data, content_begin_);
  out.content = content;
  return true;
}

void ChunkScanner::keep_template(std::string_view data, const CommonShape& shape) {
  const bool plain_text = data.size() <= kMaxTemplateBytes && shape.has_choice &&
                          shape.has_message && shape.content && in(*shape.content, data) &&
                          !shape.reasoning_text() && !shape.finish_reason && !shape.has_usage;
  // Every other view must point into the chunk (no escapes), to be rebased.
  if (!plain_text || !in(shape.id, data) || !in(shape.model, data) ||
      !in(shape.system_fingerprint, data) || !in(shape.object, data) || !in(shape.role, data)) {
    template_.clear();
    return;
  }
  template_.assign(data);
  content_begin_ = static_cast<std::size_t>(shape.content->data() - data.data());
  content_end_ = content_begin_ + shape.content->size();
  assign_rebased(shape_, shape, data, template_, content_begin_);
  shape_.content.reset();
}

bool answer_bytes_match_encoder(const CommonShape& s) {
  const auto has = [&s](Scope scope, Key key) {
    return (s.members[static_cast<std::size_t>(scope)] & key_bit(key)) != 0;
  };
  if (s.id.empty() || s.model.empty() || s.created <= 0 ||
      !is_literal(s.object, "chat.completion")) {
    return false;
  }
  if (has(Scope::kRoot, Key::kServiceTier) || has(Scope::kRoot, Key::kObfuscation) ||
      (has(Scope::kRoot, Key::kSystemFingerprint) && s.system_fingerprint.empty())) {
    return false;
  }
  if (!s.has_choice || !s.has_message || !has(Scope::kChoice, Key::kIndex) ||
      !has(Scope::kChoice, Key::kLogprobs) || !is_literal(s.role, "assistant") || !s.content ||
      has(Scope::kDelta, Key::kRefusal) || has(Scope::kDelta, Key::kReasoning)) {
    return false;
  }
  if (has(Scope::kDelta, Key::kReasoningContent) &&
      (!s.reasoning_content || s.reasoning_content->empty())) {
    return false;
  }
  if (!s.finish_reason || to_string(parse_finish_reason(*s.finish_reason)) != *s.finish_reason) {
    return false;
  }
  return s.has_usage && has(Scope::kUsage, Key::kPromptTokens) &&
         has(Scope::kUsage, Key::kCompletionTokens) && s.total_tokens &&
         s.prompt_tokens < INT_MAX && s.completion_tokens < INT_MAX && *s.total_tokens < INT_MAX;
}

std::optional<DecodedChunk> decode_chunk_fast_path(std::string_view data) {
  try {
    CommonShape shape;
    std::string scratch;
    if (!scan_common_shape(data, ShapeKind::kChunk, shape, scratch)) return std::nullopt;
    DecodedChunk out;
    out.info.id = shape.id;
    out.info.model = shape.model;
    out.info.created = shape.created;
    out.info.system_fingerprint = shape.system_fingerprint;
    out.usage = shape.usage();
    if (shape.has_choice) {
      if (shape.finish_reason) out.finish_reason = parse_finish_reason(*shape.finish_reason);
      if (shape.has_message) {
        const auto reasoning = shape.reasoning_text();
        if (reasoning && !reasoning->empty()) {
          out.parts.emplace_back(ReasoningDelta{std::string(*reasoning)});
        }
        if (shape.content && !shape.content->empty()) {
          out.parts.emplace_back(TextDelta{std::string(*shape.content)});
        }
      }
    }
    return out;
  } catch (...) {
    return std::nullopt;
  }
}

bool decode_response_fast_path(std::string_view body, GenerationResult& r, std::string* forward) {
  try {
    CommonShape shape;
    std::string scratch;
    if (!scan_common_shape(body, ShapeKind::kResponse, shape, scratch)) return false;
    // Without the choice or its message the tree path words the error.
    if (!shape.has_choice || !shape.has_message) return false;
    if (shape.content) r.text = *shape.content;
    if (const auto reasoning = shape.reasoning_text()) r.reasoning = *reasoning;
    r.finish_reason =
        shape.finish_reason ? parse_finish_reason(*shape.finish_reason) : FinishReason::kStop;
    r.usage = shape.usage();
    r.id = shape.id;
    r.model = shape.model;
    r.created = shape.created;
    r.system_fingerprint = shape.system_fingerprint;
    if (forward != nullptr && answer_bytes_match_encoder(shape))
      r.wire_answer = std::move(*forward);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace roci::openai_wire::detail
