#include "connection.h"

#include "core/model_match.h"

#include <roci/sdk/sync.h>

#include <string_view>

namespace roci::cli {
namespace {

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

std::string listing(const std::vector<std::string_view>& ids) {
  std::string out;
  for (auto id : ids) out.append(out.empty() ? "" : ", ").append(id);
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

Result<std::string> check_model(const Target& target) {
  const std::string& wanted = target.model;
  if (wanted.empty()) return wanted;  // "lmstudio" alone: the provider's own model
  if (target.spec.kind == "lmstudio" && wanted == model_match::kLocalModelAlias) return wanted;
  auto models = list_models(*target.provider);
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
  std::vector<std::string_view> ids;
  for (const auto& m : *models) ids.push_back(m.id);
  const auto hit = model_match::match(wanted, ids);
  if (hit.id) return std::string(*hit.id);
  if (!hit.ambiguous.empty()) {
    return Error::model_not_found("model \"" + wanted + "\" is ambiguous at " + target.where +
                                      ": it matches " + listing(hit.ambiguous) +
                                      ". Use the full id.",
                                  {hit.ambiguous.begin(), hit.ambiguous.end()});
  }
  return Error::model_not_found("model \"" + wanted + "\" not found at " + target.where +
                                    ". Available models: " + listing(ids),
                                {ids.begin(), ids.end()});
}

}  // namespace roci::cli
