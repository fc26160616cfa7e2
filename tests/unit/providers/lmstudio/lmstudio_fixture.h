// A fake LM Studio (real HTTP on port 0) and an LmStudioProvider pointed at it.
#pragma once

#include "support/fake_upstream.h"
#include "unit/providers/provider_test_util.h"

#include <roci/provider/lmstudio_provider.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace roci::test {

using roci::testing::FakeMode;
using roci::testing::FakeModel;
using roci::testing::FakeOptions;
using roci::testing::FakeUpstream;
using roci::testing::Fault;
using roci::testing::RecordedRequest;
using roci::testing::RequestOutcome;

class LmStudioFixture : public ::testing::Test {
 protected:
  void start(FakeOptions fake_options = {}, LmStudioOptions options = {},
             std::string model = "llama3.3", std::string suffix = {}) {
    fake_ = std::make_unique<FakeUpstream>(std::move(fake_options));
    provider_ = std::make_unique<LmStudioProvider>(LmStudioModel::custom(std::move(model)),
                                                   fake_->base_url() + suffix, std::move(options));
  }

  template <class T>
  T run(asio::awaitable<T> awaitable) {
    return roci::test::run(io_, std::move(awaitable));
  }

  // The last recorded request to `path`.
  RecordedRequest last(const std::string& path) const {
    RecordedRequest found;
    for (auto& r : fake_->requests()) {
      if (r.path() == path) found = r;
    }
    return found;
  }
  std::size_t count(const std::string& path) const {
    std::size_t n = 0;
    for (auto& r : fake_->requests()) n += r.path() == path ? 1 : 0;
    return n;
  }

  // Declaration order matters: the provider's pooled sockets live on io_, and the fake must
  // outlive the provider.
  asio::io_context io_;
  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<LmStudioProvider> provider_;
};

}  // namespace roci::test
