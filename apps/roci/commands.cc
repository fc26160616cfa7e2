#include "commands.h"

#include "answer.h"
#include "connection.h"
#include "interrupts.h"
#include "prompt.h"
#include "session.h"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <iostream>

namespace roci::cli {
namespace {

std::atomic<bool> g_in_session{false};

// Ctrl-C while no answer runs: a hint in a session; otherwise (checking the model, or waiting for
// a --no-stream answer) the program ends, and the kernel closes its connections.
void on_idle_interrupt() {
  if (g_in_session.load()) {
    print_leave_hint();
    return;
  }
  constexpr std::string_view kMessage = "\nroci: interrupted\n";
  (void)!write(STDERR_FILENO, kMessage.data(), kMessage.size());
  _exit(kExitInterrupted);
}

int usage(const Error& error) {
  std::cerr << "roci: " << error.message << "\n";
  return kExitUsage;
}

boost::json::object to_json(const ModelInfo& m) {
  boost::json::object o;
  o["id"] = m.id;
  auto put = [&o](const char* key, const std::string& value) {
    if (!value.empty()) o[key] = value;
  };
  put("owned_by", m.owned_by);
  put("type", m.type);
  put("state", m.state);
  if (m.max_context_length) o["max_context_length"] = *m.max_context_length;
  if (m.loaded_context_length) o["loaded_context_length"] = *m.loaded_context_length;
  if (!m.capabilities.empty()) {
    boost::json::array caps;
    for (const auto& c : m.capabilities) caps.emplace_back(c);
    o["capabilities"] = std::move(caps);
  }
  put("publisher", m.publisher);
  put("arch", m.arch);
  put("quantization", m.quantization);
  return o;
}

void print_table(const std::vector<ModelInfo>& models) {
  auto context_of = [](const ModelInfo& m) {
    auto n = m.loaded_context_length ? m.loaded_context_length : m.max_context_length;
    return n ? std::to_string(*n) : std::string("-");
  };
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  std::size_t id_width = 2;
  for (const auto& m : models) id_width = std::max(id_width, m.id.size());
  std::printf("%-*s  %-10s  %-10s  %s\n", static_cast<int>(id_width), "ID", "STATE", "TYPE",
              "CONTEXT");
  for (const auto& m : models) {
    std::printf("%-*s  %-10s  %-10s  %s\n", static_cast<int>(id_width), m.id.c_str(),
                or_dash(m.state).c_str(), or_dash(m.type).c_str(), context_of(m).c_str());
  }
}

}  // namespace

int run_chat(const ChatOptions& options, const ProviderRegistry& registry) {
  Interrupts interrupts(&on_idle_interrupt);  // before the SDK starts a thread
  auto target = connect(options.model, options.connection, registry);  // no I/O yet
  if (!target) return report(target.error());
  auto prompt = read_prompt(options.prompt, isatty(STDIN_FILENO) != 0);
  if (!prompt) return usage(prompt.error());
  if (!*prompt && options.no_stream) {
    return usage(Error::invalid_request(
        "--no-stream needs a prompt (an interactive session streams its answers)"));
  }
  auto model = check_model(*target, registry);
  if (!model) return report(model.error());
  if (!*prompt) {
    g_in_session.store(true);
    return run_session(*target, *model, options, interrupts);
  }
  auto request = make_request(options, {ModelMessage::user(**prompt)}, *model);
  if (!request) return usage(request.error());
  Answer answer{{}, Error::internal("no answer")};
  if (options.no_stream) {
    answer = whole_answer(*target->provider, *request);
  } else {
    auto in_progress = interrupts.begin_answer();
    answer = stream_answer(*target->provider, *request, in_progress.token());
  }
  if (!answer.result) {
    if (answer.result.error().kind == ErrorKind::kCancelled) {
      std::cerr << "roci: interrupted\n";
      return kExitInterrupted;
    }
    return report(answer.result.error());
  }
  return kExitOk;
}

int run_models(const ModelsOptions& options, const ProviderRegistry& registry) {
  auto target = connect(options.provider, options.connection, registry);
  if (!target) return report(target.error());
  auto models = list_models(*target, registry);
  if (!models) return report(models.error());
  if (options.json) {
    boost::json::array out;
    for (const auto& m : *models) out.emplace_back(to_json(m));
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    print_table(*models);
  }
  return kExitOk;
}

}  // namespace roci::cli
