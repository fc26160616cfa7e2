#include "sdk/request_guard.h"

#include "core/model_match.h"
#include "core/request_checks.h"

#include <string>
#include <vector>

namespace roci::sdk {

std::optional<Error> check_request(const ProviderRequest& request) {
  if (auto e = checks::check_messages(request.messages)) return e;
  return checks::check_settings(request.settings);
}

namespace {

std::string upstream_label(const Provider& provider) {
  if (provider.kind() == "lmstudio") return "LM Studio";
  return "The upstream (" + std::string(provider.name()) + ")";
}

}  // namespace

asio::awaitable<std::optional<Error>> check_served_model(Provider& provider,
                                                         std::string_view requested_model,
                                                         std::string_view served, bool accept) {
  const std::string requested(requested_model.empty() ? std::string_view(provider.model_id())
                                                      : requested_model);
  const bool lmstudio = provider.kind() == "lmstudio";
  if (requested.empty() || accept || requested == model_match::kLocalModelAlias ||
      model_match::same_model(requested, served, /*allow_snapshot_suffix=*/!lmstudio)) {
    co_return std::nullopt;
  }
  // A name the server resolves itself (a unique substring, an instance) is not a substitution.
  std::vector<std::string> available;
  auto listed = co_await provider.list_models();
  if (!listed && listed.error().kind == ErrorKind::kCancelled) co_return listed.error();
  if (listed) {
    std::vector<std::string_view> ids;
    for (const auto& m : *listed) {
      ids.emplace_back(m.id);
      available.push_back(m.id);
    }
    auto hit = model_match::match(requested, ids);
    if (hit.id && model_match::same_model(*hit.id, served, !lmstudio)) co_return std::nullopt;
  }
  co_return model_match::mismatch_error(upstream_label(provider), lmstudio, served, requested,
                                        std::move(available), kAcceptSubstitutionOption);
}

}  // namespace roci::sdk
