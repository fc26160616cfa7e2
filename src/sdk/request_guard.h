// Private: what every SDK facade checks around a model call (generate.h "What every form checks").
//
//   if (auto e = check_request(request)) co_return *e;                 // before sending
//   auto result = co_await provider.generate(request);
//   if (auto e = co_await check_served_model(provider, request.model, result->model, false)) ...
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>

namespace roci::sdk {

// The settings and messages of `request`, with the gateway's ranges and messages
// (core/request_checks.h). nullopt when it may be sent.
std::optional<Error> check_request(const ProviderRequest& request);

// Whether `served` is the model `requested` names (empty: the provider's model_id()), by the
// gateway's rules (core/model_match.h); on a mismatch the provider's list is fetched once to see
// whether `requested` is a unique substring of the served id. nullopt when it is, when nothing
// was requested, or when `accept` is set. Otherwise kUpstreamError "model_mismatch" naming
// GenerateOptions::accept_model_substitution. Awaits only on a mismatch.
asio::awaitable<std::optional<Error>> check_served_model(Provider& provider,
                                                         std::string_view requested,
                                                         std::string_view served, bool accept);

// The option an error message names to accept a substitution.
inline constexpr std::string_view kAcceptSubstitutionOption =
    "GenerateOptions::accept_model_substitution";

}  // namespace roci::sdk
