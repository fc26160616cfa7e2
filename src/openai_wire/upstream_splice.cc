// The client body forwarded with edits (client_body.h): can_splice decides, splice_body edits.
#include <algorithm>
#include <array>
#include <cstring>

#include "openai_wire/client_body.h"
#include "openai_wire/json_writer.h"

namespace roci::openai_wire {
namespace {

std::string_view slice(const std::string& text, ClientBody::Span span) {
  return std::string_view(text).substr(span.begin, span.end - span.begin);
}

// A typed value the body had must be unchanged; one it lacked may have been added (a default).
template <class T>
bool unchanged_or_added(const std::optional<T>& parsed, const std::optional<T>& now) {
  return !parsed || parsed == now;
}

bool settings_match(const ClientBody& b, const GenerationSettings& s) {
  if (!unchanged_or_added(b.max_tokens, s.max_tokens) ||
      !unchanged_or_added(b.temperature, s.temperature) || !unchanged_or_added(b.top_p, s.top_p) ||
      !unchanged_or_added(b.top_k, s.top_k) ||
      !unchanged_or_added(b.frequency_penalty, s.frequency_penalty) ||
      !unchanged_or_added(b.presence_penalty, s.presence_penalty) ||
      !unchanged_or_added(b.seed, s.seed)) {
    return false;
  }
  const std::size_t stops = s.stop_sequences ? s.stop_sequences->size() : 0;
  if (stops != b.stops) return false;
  if (s.extra.size() != b.extras) return false;
  return b.extras == 0 || s.extra.contains("n");
}

// `,"key":` then the value, onto `out`.
void append_key(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

void append_added_settings(std::string& out, const ClientBody& b, const GenerationSettings& s) {
  auto integer = [&out](std::string_view key, const auto& parsed, const auto& now) {
    if (parsed || !now) return;
    append_key(out, key);
    detail::append_integer(out, *now);
  };
  auto real = [&out](std::string_view key, const auto& parsed, const auto& now) {
    if (parsed || !now) return;
    append_key(out, key);
    detail::append_double(out, *now);
  };
  integer("max_tokens", b.max_tokens, s.max_tokens);
  real("temperature", b.temperature, s.temperature);
  real("top_p", b.top_p, s.top_p);
  integer("top_k", b.top_k, s.top_k);
  real("frequency_penalty", b.frequency_penalty, s.frequency_penalty);
  real("presence_penalty", b.presence_penalty, s.presence_penalty);
  integer("seed", b.seed, s.seed);
}

struct Edit {
  ClientBody::Span span;
  std::string_view replacement;
};

}  // namespace

std::uint64_t messages_digest(const std::vector<ModelMessage>& messages) {
  std::uint64_t h = messages.size();
  for (const auto& m : messages) {
    h = h * 1099511628211u + static_cast<std::uint64_t>(m.role);
    h = h * 1099511628211u + m.content.size();
    h = h * 1099511628211u + (m.content_is_null ? 1u : 0u) + 2 * m.parts.size() +
        4 * m.tool_calls.size();
    h = h * 1099511628211u + m.name.size();
    h = h * 1099511628211u + m.tool_call_id.size();
  }
  return h;
}

void keep_client_body(ProviderRequest& request, std::string&& body) {
  if (request.client_body && body.size() == request.client_body->text_size) {
    request.client_body->text = std::move(body);
  }
}

namespace detail {

bool can_splice(const ProviderRequest& request, bool stream, const UpstreamDialect& dialect) {
  const ClientBody* b = request.client_body.get();
  if (b == nullptr || b->text_size == 0 || b->text.size() != b->text_size) return false;
  if (dialect.developer_as_system && b->has_developer) return false;
  if (!stream && b->stream_options.present()) return false;
  if (request.model.empty() && b->model.present()) return false;
  if ((request.tools && !request.tools->empty()) || request.response_format) return false;
  if (request.tool_choice.has_value() != b->tool_choice.has_value() ||
      (request.tool_choice && request.tool_choice->mode != *b->tool_choice)) {
    return false;
  }
  if (request.parallel_tool_calls != b->parallel_tool_calls) return false;
  if (request.session_id.has_value() != b->has_user) return false;
  if (!settings_match(*b, request.settings)) return false;
  return messages_digest(request.messages) == b->messages_digest;
}

void splice_body(std::string& text, const ProviderRequest& request, bool stream) {
  const ClientBody& b = *request.client_body;
  std::string tail;  // members the body lacked, inserted before its closing brace
  std::string model;
  std::array<Edit, 3> edits{};
  std::size_t count = 0;

  if (b.model.present()) {
    const std::string_view old = slice(text, b.model);
    // Equal bytes mean an equal string unless the model holds a backslash (an escape in JSON).
    const bool same =
        old.size() == request.model.size() + 2 &&
        std::memcmp(old.data() + 1, request.model.data(), request.model.size()) == 0 &&
        request.model.find('\\') == std::string::npos;
    if (!same) {
      append_escaped(model, request.model);
      edits[count++] = {b.model, model};
    }
  } else if (!request.model.empty()) {
    append_key(tail, "model");
    append_escaped(tail, request.model);
  }

  const std::string_view stream_value = stream ? "true" : "false";
  if (!b.stream.present()) {
    append_key(tail, "stream");
    tail += stream_value;
  } else if (slice(text, b.stream) != stream_value) {
    edits[count++] = {b.stream, stream_value};
  }

  constexpr std::string_view kIncludeUsage = R"({"include_usage":true})";
  if (stream) {
    if (!b.stream_options.present()) {
      append_key(tail, "stream_options");
      tail += kIncludeUsage;
    } else if (slice(text, b.stream_options) != kIncludeUsage) {
      edits[count++] = {b.stream_options, kIncludeUsage};
    }
  }
  append_added_settings(tail, b, request.settings);

  // Back to front, so that each edit's offsets still hold: the closing brace is the last byte.
  if (!tail.empty()) text.insert(b.close, tail);
  // The whole array: an unused edit begins at 0, before any member, so it sorts last.
  std::sort(edits.begin(), edits.end(),
            [](const Edit& x, const Edit& y) { return x.span.begin > y.span.begin; });
  for (std::size_t i = 0; i < count; ++i) {
    const Edit& e = edits[i];
    text.replace(e.span.begin, e.span.end - e.span.begin, e.replacement);
  }
}

}  // namespace detail
}  // namespace roci::openai_wire
