// Private: the model-name rules shared by the gateway's resolver (server/routing/model_resolver)
// and the SDK's served-model check (src/sdk): which listed id a name means, and whether the model
// an upstream served is the one asked for (LM Studio substitutes its loaded model for unknown
// names, BT#619).
//
//   auto hit = roci::model_match::match("mistral", ids);   // unique substring -> the full id
//   if (!roci::model_match::same_model("gemma-3:2", "gemma-3", false)) ...   // instances: same
//
// Pure functions over strings; no I/O.
#pragma once

#include <roci/core/error.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::model_match {

// LM Studio's placeholder model name: "whatever model is loaded". The seed's examples use it.
inline constexpr std::string_view kLocalModelAlias = "local-model";

bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);

// "gemma-3-1b-it-qat:2" -> "gemma-3-1b-it-qat"; only an all-digit suffix is an instance number.
std::string_view strip_instance_suffix(std::string_view id);
// "x@q4_k_m" -> "x".
std::string_view strip_variant_suffix(std::string_view id);

// True when `served` names the model `resolved`: equal, or equal once ":N" instance numbers and
// "@quant" variants are stripped (case-insensitively); with allow_snapshot_suffix also a dated
// snapshot ("gpt-4o" -> "gpt-4o-2024-08-06"). An empty `served` (the upstream did not say) is
// accepted.
bool same_model(std::string_view resolved, std::string_view served, bool allow_snapshot_suffix);

// Which of `ids` a requested name means: an exact id; else the one id containing it
// (case-insensitively); among several, a case-insensitive exact match, or the base id when all are
// numbered instances of one model ("x", "x:2"). `id` is set on a match; `ambiguous` lists the
// matches when they are different models; both empty when nothing matches.
struct Match {
  std::optional<std::string_view> id;
  std::vector<std::string_view> ambiguous;
};
Match match(std::string_view requested, const std::vector<std::string_view>& ids);

// The served-model failure (kUpstreamError, code "model_mismatch", param "model"):
//   "<upstream> served model "X" instead of the requested "Y" (LM Studio substitutes the loaded
//    model for unknown names). Available models: A, B. Load the requested model, or set
//    <accept_option> to accept this."
// `upstream` is the display name ("LM Studio", "The upstream (openai)"); `lmstudio` adds the
// explanation; `accept_option` names the setting that accepts a substitution where the caller
// reads it (the gateway's config key, the SDK's option).
Error mismatch_error(std::string_view upstream, bool lmstudio, std::string_view served,
                     std::string_view requested, std::vector<std::string> available,
                     std::string_view accept_option);

}  // namespace roci::model_match
