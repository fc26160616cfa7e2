// The fakes' shared state (models, faults, records, counters) and small shared helpers.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <ctime>

#include "support/fake_internal.h"

namespace roci::testing {

std::string RecordedRequest::path() const { return target.substr(0, target.find('?')); }

std::string RecordedRequest::header(std::string_view name) const {
  return field_value(headers, name);
}

std::string_view to_string(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::kInProgress:
      return "in_progress";
    case RequestOutcome::kCompleted:
      return "completed";
    case RequestOutcome::kClientClosed:
      return "client_closed";
    case RequestOutcome::kServerClosed:
      return "server_closed";
  }
  return "unknown";
}

std::string_view to_string(FakeMode mode) {
  switch (mode) {
    case FakeMode::kLmStudio:
      return "lmstudio";
    case FakeMode::kOpenAi:
      return "openai";
    case FakeMode::kLlamaCpp:
      return "llamacpp";
  }
  return "unknown";
}

std::optional<FakeMode> parse_fake_mode(std::string_view s) {
  if (s == "lmstudio") return FakeMode::kLmStudio;
  if (s == "openai") return FakeMode::kOpenAi;
  if (s == "llamacpp" || s == "llama.cpp") return FakeMode::kLlamaCpp;
  return std::nullopt;
}

Fault Fault::respond(unsigned status, std::string body, std::string path) {
  Fault fault;
  fault.kind = Kind::kRespond;
  fault.status = status;
  fault.body = std::move(body);
  fault.path = std::move(path);
  return fault;
}

Fault Fault::hang(std::string path) {
  Fault fault;
  fault.kind = Kind::kHang;
  fault.path = std::move(path);
  return fault;
}

Fault Fault::close_without_response(std::string path) {
  Fault fault;
  fault.kind = Kind::kCloseWithoutResponse;
  fault.path = std::move(path);
  return fault;
}

Fault Fault::cut_after(int chunks, std::string path) {
  Fault fault;
  fault.cut_after_chunks = chunks;
  fault.path = std::move(path);
  return fault;
}

namespace detail {

std::string json_text(const boost::json::value& body) { return boost::json::serialize(body); }

Reply json_reply(unsigned status, const boost::json::value& body) {
  Reply reply;
  reply.status = status;
  reply.body = json_text(body);
  return reply;
}

std::string sse_data(const boost::json::value& body) {
  std::string out = "data: ";
  out += boost::json::serialize(body);
  out += "\n\n";
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

State::State(FakeOptions options) : options_(std::move(options)), models_(options_.models) {}

std::vector<FakeModel> State::models() const {
  std::lock_guard lock(mutex_);
  settle_locked();
  return models_;
}

void State::set_models(std::vector<FakeModel> models) {
  std::lock_guard lock(mutex_);
  models_ = std::move(models);
}

bool State::set_loaded(std::string_view id, bool loaded) {
  std::lock_guard lock(mutex_);
  for (auto& model : models_) {
    if (model.id == id) {
      model.loaded = loaded;
      runtime_.erase(std::string(id));
      return true;
    }
  }
  return false;
}

void State::add_fault(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

std::optional<Fault> State::take_fault(std::string_view method, std::string_view path) {
  std::lock_guard lock(mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && !iequals(it->method, method)) continue;
    if (!it->path.empty() && it->path != path) continue;
    Fault fault = *it;
    if (it->times > 0 && --it->times == 0) faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

void State::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

std::uint64_t State::begin_request(RecordedRequest record) {
  std::lock_guard lock(mutex_);
  const bool generation = record.method == "POST" && record.path().ends_with("completions");
  records_.push_back(std::move(record));
  while (records_.size() > std::max<std::size_t>(1, options_.max_records)) {
    records_.pop_front();
    ++first_record_id_;
  }
  changed_.notify_all();
  const std::uint64_t id = first_record_id_ + records_.size() - 1;
  if (generation) {
    generation_ids_.push_back(id);
    peak_generations_ = std::max(peak_generations_, ++generations_);
  }
  return id;
}

void State::finish_request(std::uint64_t id, RequestOutcome outcome) {
  std::lock_guard lock(mutex_);
  if (outcome == RequestOutcome::kClientClosed) ++cancellations_;
  if (auto it = std::find(generation_ids_.begin(), generation_ids_.end(), id);
      it != generation_ids_.end()) {
    generation_ids_.erase(it);
    --generations_;
  }
  if (id >= first_record_id_ && id - first_record_id_ < records_.size()) {
    auto& record = records_[id - first_record_id_];
    record.outcome = outcome;
    record.finished_at = std::chrono::steady_clock::now();
  }
  changed_.notify_all();
}

std::vector<RecordedRequest> State::requests() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

bool State::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return records_.size() >= count; });
}

bool State::wait_for_client_close(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return cancellations_ > cancellations_reported_; })) {
    return false;
  }
  ++cancellations_reported_;
  return true;
}

bool State::wait_for_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return std::none_of(records_.begin(), records_.end(), [](const RecordedRequest& r) {
      return r.outcome == RequestOutcome::kInProgress;
    });
  });
}

int State::cancellations() const {
  std::lock_guard lock(mutex_);
  return cancellations_;
}

void State::reset() {
  std::lock_guard lock(mutex_);
  faults_.clear();
  first_record_id_ += records_.size();
  records_.clear();
  cancellations_ = 0;
  cancellations_reported_ = 0;
  connections_accepted_ = 0;
  models_ = options_.models;
  runtime_.clear();
  loads_ = 0;
  peak_generations_ = generations_;
  changed_.notify_all();
}

std::size_t State::connection_opened() {
  std::lock_guard lock(mutex_);
  ++open_connections_;
  return ++connections_accepted_;
}

void State::connection_closed() {
  std::lock_guard lock(mutex_);
  --open_connections_;
  changed_.notify_all();
}

std::size_t State::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return connections_accepted_;
}

std::size_t State::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_connections_;
}

std::string State::random_string(std::size_t length, std::string_view alphabet) {
  std::lock_guard lock(mutex_);
  std::string out(length, ' ');
  for (auto& c : out) c = alphabet[rng_() % alphabet.size()];
  return out;
}

}  // namespace detail
}  // namespace roci::testing
