// model_selector: LanguageModel::parse and ModelSelector::parse, with and without a list of known
// providers.
//
// Invariants (model_selector.h): both parsers agree; an accepted selector splits on the first ':'
// into a non-empty provider (one of the known ones, when given) and a non-empty model, and
// to_string() gives the selector back; a rejection is kInvalidRequest naming `model`.
#include <roci/core/model_selector.h>

#include "targets.h"
#include "targets/check.h"

#include <array>

namespace roci::fuzz {
namespace {

using detail::as_view;

void check_one(std::string_view selector, std::span<const std::string_view> known) {
  auto model = LanguageModel::parse(selector, known);
  auto pair = ModelSelector::parse(selector, known);
  FUZZ_CHECK(model.has_value() == pair.has_value(), "LanguageModel and ModelSelector disagree");
  if (!model) {
    FUZZ_CHECK(model.error().kind == ErrorKind::kInvalidRequest && model.error().param == "model",
               "rejection not kInvalidRequest/model: " + model.error().message);
    FUZZ_CHECK(model.error() == pair.error(), "the two parsers give different errors");
    return;
  }
  const auto colon = selector.find(':');
  FUZZ_CHECK(colon != std::string_view::npos, "accepted a selector without ':'");
  FUZZ_CHECK(model->provider_name() == selector.substr(0, colon), "provider is not the prefix");
  FUZZ_CHECK(model->model_id() == selector.substr(colon + 1), "model is not the rest");
  FUZZ_CHECK(!model->provider_name().empty() && !model->model_id().empty(), "empty part accepted");
  FUZZ_CHECK(model->to_string() == selector, "to_string() does not give the selector back");
  FUZZ_CHECK(pair->provider == model->provider_name() && pair->model == model->model_id(),
             "ModelSelector splits differently");
  if (!known.empty()) {
    bool found = false;
    for (auto k : known) found = found || k == model->provider_name();
    FUZZ_CHECK(found, "accepted an unknown provider");
  }
  auto reparsed = LanguageModel::parse(model->to_string(), known);
  FUZZ_CHECK(reparsed && *reparsed == *model, "to_string() does not parse back to the same model");
}

}  // namespace

void fuzz_model_selector(const std::uint8_t* data, std::size_t size) {
  const std::string_view selector = as_view(data, size);
  static constexpr std::array<std::string_view, 3> kKnown{"lmstudio", "openai", "mock"};
  check_one(selector, {});
  check_one(selector, kKnown);
  // The input's own first line as the only known provider (reaches the accept path with a list).
  const std::string_view own = selector.substr(0, selector.find_first_of(":\n"));
  const std::array<std::string_view, 1> one{own};
  check_one(selector, one);
}

}  // namespace roci::fuzz
