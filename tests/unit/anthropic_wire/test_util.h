// Helpers of the anthropic_wire unit tests: fixtures (tests/support/fixtures/anthropic/), SSE
// split into (event name, JSON) pairs, and a "the fixture's members are all in ours" comparison.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "openai_wire/sse_parser.h"

namespace roci::anthropic_wire::testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(ROCI_FIXTURES_DIR) / "anthropic" / name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture anthropic/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Event {
  std::string name;
  boost::json::value data;
};

inline std::vector<Event> parse_events(std::string_view sse) {
  openai_wire::SseParser parser;
  parser.feed(sse);
  parser.finish();
  std::vector<Event> out;
  while (true) {
    auto ev = parser.next_event();
    if (!ev) throw std::runtime_error(ev.error().message);
    if (!*ev) break;
    out.push_back({(*ev)->event, boost::json::parse((*ev)->data)});
  }
  return out;
}

// Every member of `expected` (recursively, arrays element by element) is in `actual` with the
// same value; `actual` may have more members. Returns "" or where they differ.
inline std::string missing_from(const boost::json::value& expected,
                                const boost::json::value& actual, const std::string& path = "$") {
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": not an object in ours";
    for (const auto& kv : expected.get_object()) {
      const auto* ours = actual.get_object().if_contains(kv.key());
      const std::string at = path + "." + std::string(kv.key());
      if (!ours) return at + ": missing in ours";
      if (auto diff = missing_from(kv.value(), *ours, at); !diff.empty()) return diff;
    }
    return "";
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.get_array().size() != expected.get_array().size()) {
      return path + ": arrays differ in size";
    }
    for (std::size_t i = 0; i < expected.get_array().size(); ++i) {
      if (auto diff = missing_from(expected.get_array()[i], actual.get_array()[i],
                                   path + "[" + std::to_string(i) + "]");
          !diff.empty()) {
        return diff;
      }
    }
    return "";
  }
  if (expected.is_number() && actual.is_number()) {
    return expected.to_number<double>() == actual.to_number<double>()
               ? ""
               : path + ": " + boost::json::serialize(expected) + " vs ours " +
                     boost::json::serialize(actual);
  }
  if (expected != actual) {
    return path + ": " + boost::json::serialize(expected) + " vs ours " +
           boost::json::serialize(actual);
  }
  return "";
}

}  // namespace roci::anthropic_wire::testing
