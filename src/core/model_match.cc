#include "core/model_match.h"

#include <algorithm>
#include <cctype>

namespace roci::model_match {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char x, char y) { return lower(x) == lower(y); });
  return it != haystack.end();
}

std::string_view strip_instance_suffix(std::string_view id) {
  auto colon = id.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == id.size()) return id;
  std::string_view tail = id.substr(colon + 1);
  bool digits = std::all_of(tail.begin(), tail.end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  return digits ? id.substr(0, colon) : id;
}

std::string_view strip_variant_suffix(std::string_view id) {
  auto at = id.rfind('@');
  return at == std::string_view::npos || at == 0 ? id : id.substr(0, at);
}

bool same_model(std::string_view resolved, std::string_view served, bool allow_snapshot_suffix) {
  if (served.empty() || served == resolved) return true;
  std::string_view r = strip_variant_suffix(strip_instance_suffix(resolved));
  std::string_view s = strip_variant_suffix(strip_instance_suffix(served));
  if (iequals(r, s)) return true;
  if (allow_snapshot_suffix && s.size() > r.size() && iequals(s.substr(0, r.size()), r) &&
      s[r.size()] == '-') {
    return true;
  }
  return false;
}

Match match(std::string_view requested, const std::vector<std::string_view>& ids) {
  for (std::string_view id : ids) {
    if (id == requested) return {id, {}};
  }
  std::vector<std::string_view> hits;
  for (std::string_view id : ids) {
    if (icontains(id, requested)) hits.push_back(id);
  }
  if (hits.empty()) return {};
  if (hits.size() == 1) return {hits.front(), {}};
  // A case-insensitive exact match wins over longer ids that contain it.
  for (std::string_view id : hits) {
    if (iequals(id, requested)) return {id, {}};
  }
  // Numbered instances of one model ("x", "x:2", "x:3") are one match: the base id (or the
  // first listed instance when the base is not listed).
  std::string_view base = strip_instance_suffix(hits.front());
  bool one_model = std::all_of(hits.begin(), hits.end(), [&](std::string_view id) {
    return strip_instance_suffix(id) == base;
  });
  if (one_model) {
    for (std::string_view id : hits) {
      if (id == base) return {id, {}};
    }
    return {hits.front(), {}};
  }
  return {std::nullopt, std::move(hits)};
}

Error mismatch_error(std::string_view upstream, bool lmstudio, std::string_view served,
                     std::string_view requested, std::vector<std::string> available,
                     std::string_view accept_option) {
  std::string message(upstream);
  message += " served model \"" + std::string(served) + "\" instead of the requested \"" +
             std::string(requested) + "\"";
  message += lmstudio ? " (LM Studio substitutes the loaded model for unknown names)." : ".";
  if (!available.empty()) message += " Available models: " + join(available) + ".";
  message += " Load the requested model, or set " + std::string(accept_option) + " to accept this.";
  Error e = Error::upstream(std::move(message));
  e.code = "model_mismatch";
  e.param = "model";
  e.available_models = std::move(available);
  return e;
}

}  // namespace roci::model_match
