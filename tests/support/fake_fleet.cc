// The fake hosts' model lifecycle: loads that take FakeOptions::jit_load_delay, LM Studio's
// duplicate-instance race (a first request arriving while the model loads starts another copy,
// "m:2"), explicit loads and unloads, and the counters a fleet test reads (loads, requests in
// flight and their peak).
#include <algorithm>

#include "support/fake_internal.h"

namespace roci::testing {
namespace detail {

void State::settle_locked() const {
  const auto now = std::chrono::steady_clock::now();
  for (auto& model : models_) {
    auto it = runtime_.find(model.id);
    if (it == runtime_.end()) continue;
    if (!model.loaded && it->second.instances > 0 && now >= it->second.loading_until) {
      model.loaded = true;
    }
  }
}

std::optional<State::LoadStarted> State::begin_load(std::string_view id, bool jit) {
  std::lock_guard lock(mutex_);
  settle_locked();
  auto model =
      std::find_if(models_.begin(), models_.end(), [&](const FakeModel& m) { return m.id == id; });
  if (model == models_.end()) return std::nullopt;
  if (jit && model->loaded) return std::nullopt;
  Runtime& rt = runtime_[std::string(id)];
  if (model->loaded && rt.instances == 0) rt.instances = 1;  // loaded from the start
  const int n = ++rt.instances;
  const auto now = std::chrono::steady_clock::now();
  rt.loading_until = std::max(rt.loading_until, now + options_.jit_load_delay);
  ++loads_;
  changed_.notify_all();
  LoadStarted started;
  started.instance = n == 1 ? std::string(id) : std::string(id) + ":" + std::to_string(n);
  started.delay = std::chrono::duration_cast<std::chrono::milliseconds>(rt.loading_until - now);
  if (options_.jit_load_delay.count() == 0) {
    model->loaded = true;
    started.delay = std::chrono::milliseconds(0);
  }
  return started;
}

bool State::unload(std::string_view instance) {
  std::lock_guard lock(mutex_);
  settle_locked();
  for (auto& model : models_) {
    const bool named = instance == model.id ||
                       (instance.starts_with(model.id + ":") && instance.size() > model.id.size());
    if (!named || !model.loaded) continue;
    Runtime& rt = runtime_[model.id];
    if (rt.instances == 0) rt.instances = 1;
    if (--rt.instances == 0) model.loaded = false;
    return true;
  }
  return false;
}

bool State::loading(std::string_view id) const {
  std::lock_guard lock(mutex_);
  settle_locked();
  auto it = runtime_.find(id);
  if (it == runtime_.end() || it->second.instances == 0) return false;
  return std::chrono::steady_clock::now() < it->second.loading_until;
}

int State::instance_count(std::string_view id) const {
  std::lock_guard lock(mutex_);
  settle_locked();
  for (const auto& model : models_) {
    if (model.id != id) continue;
    auto it = runtime_.find(id);
    const int extra = it == runtime_.end() ? 0 : it->second.instances;
    return model.loaded ? std::max(1, extra) : 0;
  }
  return 0;
}

int State::loads() const {
  std::lock_guard lock(mutex_);
  return loads_;
}

int State::in_flight() const {
  std::lock_guard lock(mutex_);
  return generations_;
}

int State::peak_in_flight() const {
  std::lock_guard lock(mutex_);
  return peak_generations_;
}

}  // namespace detail
}  // namespace roci::testing
