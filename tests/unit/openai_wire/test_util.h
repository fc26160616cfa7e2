// Helpers shared by the openai_wire unit tests: fixture loading, running the SSE parser over a
// split input, and folding decoded stream chunks into one result.
#pragma once

#include <roci/core/types.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "openai_wire/sse_parser.h"
#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
// Test-only equality and printing (found by ADL from gtest and std::vector).
inline bool operator==(const SseEvent& a, const SseEvent& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}
inline void PrintTo(const SseEvent& e, std::ostream* os) {
  *os << "{event=\"" << e.event << "\" id=\"" << e.id << "\" data=\"" << e.data << "\"}";
}
}  // namespace roci::openai_wire

namespace roci::openai_wire::testing {

inline std::filesystem::path fixtures_dir() { return ROCI_FIXTURES_DIR; }

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(fixtures_dir() / relative, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + relative);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every fixture path (relative, sorted) whose name ends with `suffix`. The Anthropic API's fixtures
// (anthropic/) are not OpenAI wire shapes: tests/unit/anthropic_wire covers them.
inline std::vector<std::string> fixtures_with_suffix(const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(fixtures_dir())) {
    const std::string rel = std::filesystem::relative(e.path(), fixtures_dir()).generic_string();
    if (rel.starts_with("anthropic/")) continue;
    if (e.is_regular_file() && rel.ends_with(suffix)) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct ParseOutcome {
  std::vector<SseEvent> events;
  std::optional<Error> error;
};

inline void drain(SseParser& parser, ParseOutcome& out) {
  while (!out.error) {
    auto ev = parser.next_event();
    if (!ev) {
      out.error = ev.error();
      return;
    }
    if (!*ev) return;
    out.events.push_back(std::move(**ev));
  }
}

// Feeds `input` in pieces ending at each of `cuts` (ascending offsets), draining after each feed,
// then finish().
inline ParseOutcome parse_with_cuts(std::string_view input, const std::vector<std::size_t>& cuts,
                                    std::size_t max_event_bytes = 1 << 20) {
  SseParser parser(max_event_bytes);
  ParseOutcome out;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    parser.feed(input.substr(from, cut - from));
    drain(parser, out);
    from = cut;
  }
  parser.feed(input.substr(from));
  drain(parser, out);
  parser.finish();
  drain(parser, out);
  return out;
}

inline ParseOutcome parse_whole(std::string_view input, std::size_t max_event_bytes = 1 << 20) {
  return parse_with_cuts(input, {}, max_event_bytes);
}

inline ParseOutcome parse_bytewise(std::string_view input, std::size_t max_event_bytes = 1 << 20) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return parse_with_cuts(input, cuts, max_event_bytes);
}

// A whole stream folded the way a provider would: text, reasoning, tool calls by index.
struct AssembledStream {
  StreamInfo info;  // from the first chunk
  std::string text;
  std::string reasoning;
  std::map<int, ToolCall> tool_calls;
  std::vector<std::string> tool_call_order;  // ids in the order they started
  std::optional<FinishReason> finish_reason;
  std::optional<Usage> usage;
  std::optional<ProviderStats> stats;
  std::optional<Error> error;
  int chunks = 0;
  int text_deltas = 0;
  std::vector<boost::json::value> logprobs;  // each text delta's `logprobs`, when it had one
  bool saw_done = false;
};

inline AssembledStream assemble(std::string_view sse, std::string_view upstream = "LM Studio") {
  AssembledStream out;
  auto parsed = parse_whole(sse);
  if (parsed.error) {
    out.error = parsed.error;
    return out;
  }
  for (const auto& ev : parsed.events) {
    if (ev.data == "[DONE]") {
      out.saw_done = true;
      break;
    }
    auto chunk = decode_chat_chunk(ev.data, upstream);
    if (!chunk) {
      out.error = chunk.error();
      break;
    }
    if (out.chunks++ == 0) out.info = chunk->info;
    for (const auto& part : chunk->parts) {
      if (const auto* t = std::get_if<TextDelta>(&part)) {
        out.text += t->text;
        ++out.text_deltas;
        if (!t->logprobs.is_null()) out.logprobs.push_back(t->logprobs);
      } else if (const auto* r = std::get_if<ReasoningDelta>(&part)) {
        out.reasoning += r->text;
      } else if (const auto* c = std::get_if<ToolCallDelta>(&part)) {
        auto& call = out.tool_calls[c->index];
        if (!c->id.empty() && call.id.empty()) {
          call.id = c->id;
          out.tool_call_order.push_back(c->id);
        }
        if (!c->name.empty()) call.name = c->name;
        call.arguments += c->arguments;
      }
    }
    if (chunk->finish_reason) out.finish_reason = chunk->finish_reason;
    if (chunk->usage) out.usage = chunk->usage;
    if (chunk->stats) out.stats = chunk->stats;
  }
  return out;
}

inline boost::json::value parse_json(std::string_view text) { return boost::json::parse(text); }

// The JSON payload of one "data: ...\n\n" SSE event produced by an encoder.
inline boost::json::object sse_payload(std::string_view event) {
  if (!event.starts_with("data: ") || !event.ends_with("\n\n")) {
    throw std::runtime_error("not an SSE data event: " + std::string(event));
  }
  event.remove_prefix(6);
  event.remove_suffix(2);
  return boost::json::parse(event).as_object();
}

}  // namespace roci::openai_wire::testing
