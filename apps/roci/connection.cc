#include "connection.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cctype>
#include <set>

namespace roci::cli {
namespace {

namespace asio = boost::asio;

bool ends_with_v1(const std::string& url) {
  std::string trimmed = url;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  return trimmed.size() >= 3 && trimmed.compare(trimmed.size() - 3, 3, "/v1") == 0;
}

// "http://host:8080/v1/" -> "http://host:8080" for kinds that append /v1 themselves.
std::string without_v1(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (ends_with_v1(url)) url.resize(url.size() - 3);
  return url;
}

// The generic OpenAI-compatible kind takes the API root: "http://host:8080" -> ".../v1".
std::string with_v1(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto scheme = url.find("://");
  const bool has_path =
      scheme != std::string::npos && url.find('/', scheme + 3) != std::string::npos;
  return has_path ? url : url + "/v1";
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "gemma-3:2" -> "gemma-3": LM Studio's numbered instances of one model.
std::string base_of(const std::string& id) {
  const auto colon = id.rfind(':');
  if (colon == std::string::npos || colon + 1 == id.size()) return id;
  const bool digits = std::all_of(id.begin() + static_cast<std::ptrdiff_t>(colon) + 1, id.end(),
                                  [](unsigned char c) { return std::isdigit(c); });
  return digits ? id.substr(0, colon) : id;
}

std::string listing(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<Target> connect(const std::string& name, const Connection& connection,
                       const ProviderRegistry& registry) {
  std::string kind = name;
  std::string model;
  if (const auto colon = name.find(':'); colon != std::string::npos) {
    kind = name.substr(0, colon);
    model = name.substr(colon + 1);
  }
  ProviderSpec spec;
  if (registry.contains(kind)) {
    auto from_env = registry.spec_from_env(kind, model);
    if (!from_env) return from_env.error();
    spec = std::move(*from_env);
    spec.model = model;
    if (!connection.base_url.empty()) {
      spec.base_url =
          kind == "openai" ? with_v1(connection.base_url) : without_v1(connection.base_url);
      spec.origin.base_url = "--base-url (ROCI_BASE_URL)";
    }
  } else if (!connection.base_url.empty()) {
    auto from_env = registry.spec_from_env("openai", name);
    if (!from_env) return from_env.error();
    spec = std::move(*from_env);
    spec.api_key.clear();  // OPENAI_API_KEY is for OpenAI: another server gets --api-key only
    spec.organization.clear();
    spec.project.clear();
    spec.model = name;
    spec.base_url = with_v1(connection.base_url);
    spec.origin.base_url = "--base-url (ROCI_BASE_URL)";
  } else {
    std::string kinds;
    for (auto k : registry.names()) kinds += (kinds.empty() ? "" : " | ") + std::string(k);
    return Error::invalid_request("\"" + name + "\" names no provider: write provider:model (" +
                                  kinds +
                                  "), or give --base-url (ROCI_BASE_URL) for an "
                                  "OpenAI-compatible server");
  }
  if (!connection.api_key.empty()) spec.api_key = connection.api_key;
  spec.origin.api_key += " or --api-key (ROCI_API_KEY)";
  auto provider = registry.create(spec);
  if (!provider) return provider.error();
  Target target{.spec = spec, .provider = std::move(*provider), .model = spec.model, .where = {}};
  const std::string url = target.provider->base_url();
  target.where = std::string(target.provider->kind()) + (url.empty() ? "" : " at " + url);
  return target;
}

Result<std::vector<ModelInfo>> list_models(const Target& target, const ProviderRegistry& registry) {
  auto provider = registry.create(target.spec);
  if (!provider) return provider.error();
  asio::io_context io;
  auto listed = asio::co_spawn(io, (*provider)->list_models(), asio::use_future);
  io.run();
  provider->reset();  // its pooled connections belong to `io`: gone before it
  try {
    return listed.get();
  } catch (const std::exception& e) {
    return Error::internal(std::string("listing the models failed: ") + e.what());
  }
}

Result<std::string> check_model(const Target& target, const ProviderRegistry& registry) {
  const std::string& wanted = target.model;
  if (wanted.empty()) return wanted;  // "lmstudio" alone: the provider's own model
  if (target.spec.kind == "lmstudio" && wanted == "local-model") return wanted;
  auto models = list_models(target, registry);
  if (!models) {
    const auto kind = models.error().kind;
    const bool fatal =
        kind == ErrorKind::kUpstreamUnreachable || kind == ErrorKind::kTimeout ||
        kind == ErrorKind::kUnauthenticated ||
        (models.error().upstream_status == 401 || models.error().upstream_status == 403);
    if (fatal) return models.error();
    return wanted;  // the server cannot list: the chat itself reports what is wrong
  }
  if (models->empty()) return wanted;
  std::vector<std::string> ids;
  for (const auto& m : *models) ids.push_back(m.id);
  if (std::find(ids.begin(), ids.end(), wanted) != ids.end()) return wanted;
  const std::string needle = lower(wanted);
  std::set<std::string> matches;  // base ids
  for (const auto& id : ids) {
    if (lower(id) == needle) return id;
    if (lower(id).find(needle) != std::string::npos) matches.insert(base_of(id));
  }
  if (matches.size() == 1) return *matches.begin();
  if (matches.size() > 1) {
    return Error::model_not_found("model \"" + wanted + "\" is ambiguous at " + target.where +
                                      ": it matches " + listing({matches.begin(), matches.end()}) +
                                      ". Use the full id.",
                                  {matches.begin(), matches.end()});
  }
  return Error::model_not_found("model \"" + wanted + "\" not found at " + target.where +
                                    ". Available models: " + listing(ids),
                                ids);
}

}  // namespace roci::cli
