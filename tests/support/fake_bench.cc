// The bench profile (FakeOptions::bench): responses rendered once, written as-is per request.
#include "support/fake_chat.h"
#include "support/fake_heads.h"
#include "support/fake_internal.h"

namespace roci::testing::detail {
namespace {

constexpr std::string_view kBenchAnswer =
    "Sure. Here is a short overview of how a reverse proxy handles streaming responses: it reads "
    "the upstream response incrementally, forwards each server-sent event as soon as it arrives, "
    "keeps the client connection open until the upstream signals the end of the stream, and "
    "propagates cancellation in both directions so that no generation keeps running after the "
    "client has gone away. Connection pooling avoids a TCP handshake per request, and idle "
    "sockets are retired before the upstream's keep-alive timeout closes them. Usage accounting "
    "relies on the trailing usage chunk, which the proxy can request on behalf of the client and "
    "strip again before forwarding. Errors are mapped to one envelope.";

std::vector<std::string> frames_of(const ChatPlan& plan) {
  std::vector<std::string> frames;
  for (const auto& event : render_chat_stream(plan, Dialect::kLmStudio)) {
    frames.push_back(chunk_frame(event.bytes));
  }
  frames.emplace_back(kLastChunk);
  return frames;
}

}  // namespace

BenchResponses make_bench_responses(const FakeOptions& options) {
  ChatPlan plan;
  plan.id = "chatcmpl-benchbenchbenchbench0";
  plan.model = options.models.empty() ? std::string("llama3.3") : options.models.front().id;
  plan.system_fingerprint = plan.model;
  plan.created = unix_now();
  plan.tokens = tokenize(kBenchAnswer);
  plan.finish_reason = "stop";
  plan.prompt_tokens = 24;
  plan.completion_tokens = static_cast<int>(plan.tokens.size());

  BenchResponses out;
  const std::string body = render_chat(plan, Dialect::kLmStudio);
  HeadSpec plain{
      .status = 200, .content_type = kJsonType, .content_length = body.size(), .body = body};
  out.plain = render_head(options, plain) + body;

  // ~20 chunks: 18 content tokens, the finish chunk, [DONE].
  ChatPlan stream = plan;
  stream.tokens = tokenize(kBenchAnswer.substr(0, 110));
  stream.tokens.resize(std::min<std::size_t>(stream.tokens.size(), 18));
  stream.completion_tokens = static_cast<int>(stream.tokens.size());
  HeadSpec head{.status = 200, .content_type = "text/event-stream", .stream = true};
  out.stream_head = render_head(options, head);
  out.frames = frames_of(stream);
  stream.include_usage = true;
  out.frames_with_usage = frames_of(stream);
  return out;
}

bool body_flag(std::string_view body, std::string_view key) {
  const std::string quoted = std::string("\"").append(key).append("\"");
  for (std::size_t at = body.find(quoted); at != std::string_view::npos;
       at = body.find(quoted, at + 1)) {
    std::size_t i = at + quoted.size();
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n')) ++i;
    if (i >= body.size() || body[i] != ':') continue;
    ++i;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n')) ++i;
    return body.substr(i, 4) == "true";
  }
  return false;
}

}  // namespace roci::testing::detail
