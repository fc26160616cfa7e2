// "provider:model" selectors.
//
//   auto model = roci::LanguageModel::parse("lmstudio:qwen3:8b");   // split on the FIRST ':'
//   model->provider_name();  // "lmstudio"
//   model->model_id();       // "qwen3:8b"
//   roci::LanguageModel known = roci::LanguageModel::Known{"lmstudio", "mistral"};
//
// parse() rejects an empty selector, a missing ':' , an empty provider or an empty model, and a
// provider outside `known_providers` when that list is given, with a message naming the choices.
#pragma once

#include <roci/export.h>

#include <roci/core/error.h>

#include <span>
#include <string>
#include <string_view>

namespace roci {

class ROCI_EXPORT LanguageModel {
 public:
  struct Known {
    std::string provider_key;
    std::string model_id;
  };

  LanguageModel(Known known) : known_(std::move(known)) {}  // NOLINT(google-explicit-constructor)

  static Result<LanguageModel> parse(std::string_view selector,
                                     std::span<const std::string_view> known_providers = {});

  const std::string& provider_name() const { return known_.provider_key; }
  const std::string& model_id() const { return known_.model_id; }
  std::string to_string() const { return known_.provider_key + ":" + known_.model_id; }

  friend bool operator==(const LanguageModel& a, const LanguageModel& b) {
    return a.known_.provider_key == b.known_.provider_key && a.known_.model_id == b.known_.model_id;
  }

 private:
  Known known_;
};

// The plain pair form used by ARCHITECTURE.md; same parsing rules.
struct ROCI_EXPORT ModelSelector {
  std::string provider;
  std::string model;
  static Result<ModelSelector> parse(std::string_view selector,
                                     std::span<const std::string_view> known_providers = {});
};

}  // namespace roci
