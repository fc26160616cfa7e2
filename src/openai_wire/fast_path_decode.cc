#include "openai_wire/fast_path_decode.h"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <string>

namespace roci::openai_wire::detail {
namespace {

namespace json = boost::json;

// Where the parser is: the objects and arrays of the common chunk shape, nothing else.
enum class Scope : std::uint8_t { kRoot, kChoices, kChoice, kDelta, kUsage };

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

// `inner` is the choice's payload key: "delta" in a chunk, "message" in a chat.completion.
Key key_in(Scope scope, std::string_view k, std::string_view inner) {
  switch (scope) {
    case Scope::kRoot:
      if (k == "id") return Key::kId;
      if (k == "object") return Key::kObject;
      if (k == "created") return Key::kCreated;
      if (k == "model") return Key::kModel;
      if (k == "system_fingerprint") return Key::kSystemFingerprint;
      if (k == "choices") return Key::kChoices;
      if (k == "usage") return Key::kUsage;
      if (k == "service_tier") return Key::kServiceTier;  // OpenAI
      if (k == "obfuscation") return Key::kObfuscation;   // OpenAI
      return Key::kNone;
    case Scope::kChoice:
      if (k == "index") return Key::kIndex;
      if (k == inner) return Key::kDelta;
      if (k == "logprobs") return Key::kLogprobs;
      if (k == "finish_reason") return Key::kFinishReason;
      return Key::kNone;
    case Scope::kDelta:
      if (k == "role") return Key::kRole;
      if (k == "content") return Key::kContent;
      if (k == "reasoning_content") return Key::kReasoningContent;
      if (k == "reasoning") return Key::kReasoning;
      if (k == "refusal") return Key::kRefusal;  // OpenAI; not read by the tree decoder either
      return Key::kNone;
    case Scope::kUsage:
      if (k == "prompt_tokens") return Key::kPromptTokens;
      if (k == "completion_tokens") return Key::kCompletionTokens;
      if (k == "total_tokens") return Key::kTotalTokens;
      return Key::kNone;
    case Scope::kChoices:
      return Key::kNone;
  }
  return Key::kNone;
}

int clamp_to_int(std::int64_t v) {
  return static_cast<int>(std::clamp<std::int64_t>(v, INT_MIN, INT_MAX));
}

// SAX handler: fills the fields of the common shape; any other event declines (returns false,
// and `declined` tells it apart from a syntax error, which declines too).
class CommonShapeHandler {
 public:
  // `inner`: "delta" (stream chunks) or "message" (chat.completion bodies).
  explicit CommonShapeHandler(std::string_view inner) : inner_(inner) {}

  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code& ec) {
    if (depth_ == 0) return push(Scope::kRoot, ec);
    const Scope top = scopes_[depth_ - 1];
    if (top == Scope::kRoot && key_ == Key::kUsage) {
      has_usage_ = true;
      return push(Scope::kUsage, ec);
    }
    if (top == Scope::kChoices) {
      if (has_choice_) return decline(ec);  // n > 1: which choice is first needs the tree
      has_choice_ = true;
      return push(Scope::kChoice, ec);
    }
    if (top == Scope::kChoice && key_ == Key::kDelta) {
      has_delta_ = true;
      return push(Scope::kDelta, ec);
    }
    return decline(ec);
  }
  bool on_object_end(std::size_t, json::error_code&) {
    pop();
    return true;
  }
  bool on_array_begin(json::error_code& ec) {
    if (depth_ == 1 && key_ == Key::kChoices) return push(Scope::kChoices, ec);
    return decline(ec);
  }
  bool on_array_end(std::size_t, json::error_code&) {
    pop();
    return true;
  }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    text_.append(s.data(), s.size());
    key_ = key_in(scopes_[depth_ - 1], text_, inner_);
    text_.clear();
    if (key_ == Key::kNone) return decline(ec);
    const auto bit = std::uint32_t{1} << static_cast<unsigned>(key_);
    std::uint32_t& seen = seen_[depth_ - 1];
    if ((seen & bit) != 0) return decline(ec);  // a duplicate key: the tree keeps one of them
    seen |= bit;
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (depth_ == 0) return decline(ec);  // a bare string is no chunk
    text_.append(s.data(), s.size());
    std::string* into = string_target();
    if (into == nullptr && !ignored_string()) return decline(ec);
    if (into != nullptr) *into = std::move(text_);
    text_.clear();
    return true;
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t v, json::string_view, json::error_code& ec) {
    if (depth_ == 0) return decline(ec);
    const Scope top = scopes_[depth_ - 1];
    if (top == Scope::kRoot && key_ == Key::kCreated) {
      info_.created = v;
    } else if (top == Scope::kChoice && key_ == Key::kIndex) {
      if (v != 0) return decline(ec);  // another choice of an n > 1 answer: the tree numbers it
    } else if (top == Scope::kUsage && key_ == Key::kPromptTokens) {
      prompt_tokens_ = clamp_to_int(v);
    } else if (top == Scope::kUsage && key_ == Key::kCompletionTokens) {
      completion_tokens_ = clamp_to_int(v);
    } else if (top == Scope::kUsage && key_ == Key::kTotalTokens) {
      total_tokens_ = clamp_to_int(v);
    } else {
      return decline(ec);
    }
    return true;
  }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code& ec) { return decline(ec); }
  bool on_double(double, json::string_view, json::error_code& ec) { return decline(ec); }
  bool on_bool(bool, json::error_code& ec) { return decline(ec); }
  bool on_null(json::error_code& ec) {
    // null reads as absent for every field of the shape except the containers the tree needs.
    if (depth_ == 0) return decline(ec);
    const Scope top = scopes_[depth_ - 1];
    const bool absent_ok = (top == Scope::kRoot && key_ != Key::kChoices) ||
                           (top == Scope::kChoice && key_ != Key::kDelta) || top == Scope::kDelta;
    return absent_ok ? true : decline(ec);
  }
  bool on_comment_part(json::string_view, json::error_code& ec) { return decline(ec); }
  bool on_comment(json::string_view, json::error_code& ec) { return decline(ec); }

  // The DecodedChunk, as decode_chat_chunk_tree would build it. Call after a complete parse.
  DecodedChunk chunk() {
    DecodedChunk out;
    out.info = std::move(info_);
    out.usage = usage();
    if (has_choice_) {
      if (finish_reason_) out.finish_reason = parse_finish_reason(*finish_reason_);
      if (has_delta_) {
        const std::optional<std::string>& reasoning = reasoning_text();
        if (reasoning && !reasoning->empty()) out.parts.emplace_back(ReasoningDelta{*reasoning});
        if (content_ && !content_->empty()) out.parts.emplace_back(TextDelta{std::move(*content_)});
      }
    }
    return out;
  }

  // The GenerationResult, as decode_chat_response's tree path would build it; nullopt when the
  // body lacks the choice or its message (the tree path words that error).
  std::optional<GenerationResult> result() {
    if (!has_choice_ || !has_delta_) return std::nullopt;
    GenerationResult r;
    if (content_) r.text = std::move(*content_);
    if (const auto& reasoning = reasoning_text()) r.reasoning = *reasoning;
    r.finish_reason = finish_reason_ ? parse_finish_reason(*finish_reason_) : FinishReason::kStop;
    r.usage = usage();
    r.id = std::move(info_.id);
    r.model = std::move(info_.model);
    r.created = info_.created;
    r.system_fingerprint = std::move(info_.system_fingerprint);
    return r;
  }

  bool declined = false;

 private:
  static constexpr std::size_t kMaxDepth = 3;  // root > choices > choice > delta

  bool push(Scope scope, json::error_code& ec) {
    if (depth_ > kMaxDepth) return decline(ec);
    scopes_[depth_] = scope;
    seen_[depth_] = 0;
    ++depth_;
    key_ = Key::kNone;
    return true;
  }
  void pop() {
    --depth_;
    key_ = Key::kNone;  // a container value ends its key; the next key comes before any value
  }
  bool decline(json::error_code& ec) {
    declined = true;
    ec = json::error::syntax;
    return false;
  }
  // Where a string value of the current key goes; nullptr when it is not kept.
  std::string* string_target() {
    const Scope top = scopes_[depth_ - 1];
    if (top == Scope::kRoot) {
      if (key_ == Key::kId) return &info_.id;
      if (key_ == Key::kModel) return &info_.model;
      if (key_ == Key::kSystemFingerprint) return &info_.system_fingerprint;
    } else if (top == Scope::kChoice && key_ == Key::kFinishReason) {
      return &finish_reason_.emplace();
    } else if (top == Scope::kDelta) {
      if (key_ == Key::kContent) return &content_.emplace();
      if (key_ == Key::kReasoningContent) return &reasoning_content_.emplace();
      if (key_ == Key::kReasoning) return &reasoning_.emplace();
    }
    return nullptr;
  }
  // String values the tree decoder reads past.
  bool ignored_string() const {
    const Scope top = scopes_[depth_ - 1];
    return (top == Scope::kRoot &&
            (key_ == Key::kObject || key_ == Key::kServiceTier || key_ == Key::kObfuscation)) ||
           (top == Scope::kDelta && (key_ == Key::kRole || key_ == Key::kRefusal));
  }

  std::optional<Usage> usage() const {
    if (!has_usage_) return std::nullopt;
    const long long sum = static_cast<long long>(prompt_tokens_) + completion_tokens_;
    return Usage{prompt_tokens_, completion_tokens_,
                 total_tokens_.value_or(static_cast<int>(std::min<long long>(sum, INT_MAX)))};
  }
  // reasoning_content wins over reasoning when it is a string, even an empty one.
  const std::optional<std::string>& reasoning_text() const {
    return reasoning_content_ ? reasoning_content_ : reasoning_;
  }

  std::string_view inner_;
  StreamInfo info_;
  std::array<Scope, kMaxDepth + 1> scopes_{};
  std::array<std::uint32_t, kMaxDepth + 1> seen_{};  // keys seen per open object (duplicates)
  std::size_t depth_ = 0;
  Key key_ = Key::kNone;
  std::string text_;  // the key or string being assembled from its parts
  bool has_usage_ = false;
  bool has_choice_ = false;
  bool has_delta_ = false;
  int prompt_tokens_ = 0;
  int completion_tokens_ = 0;
  std::optional<int> total_tokens_;
  std::optional<std::string> finish_reason_;
  std::optional<std::string> content_;
  std::optional<std::string> reasoning_content_;
  std::optional<std::string> reasoning_;
};

// Runs the handler over `data`; true when it accepted the whole document.
bool parse_common(json::basic_parser<CommonShapeHandler>& parser, std::string_view data) {
  json::error_code ec;
  const std::size_t n = parser.write_some(false, data.data(), data.size(), ec);
  return !ec && n == data.size() && parser.done() && !parser.handler().declined;
}

}  // namespace

std::optional<DecodedChunk> decode_chunk_fast_path(std::string_view data) {
  try {
    json::basic_parser<CommonShapeHandler> parser(json::parse_options{}, "delta");
    if (!parse_common(parser, data)) return std::nullopt;
    return parser.handler().chunk();
  } catch (...) {  // std::bad_alloc from a string: the general path reports it
    return std::nullopt;
  }
}

std::optional<GenerationResult> decode_response_fast_path(std::string_view body) {
  try {
    json::basic_parser<CommonShapeHandler> parser(json::parse_options{}, "message");
    if (!parse_common(parser, body)) return std::nullopt;
    return parser.handler().result();
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace roci::openai_wire::detail
