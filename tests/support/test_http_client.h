// The tests' one HTTP/1.1 client: blocking, on 127.0.0.1, a deadline on every read, write and
// connect. It speaks to the gateway in the end-to-end tests and to the fakes in their self-tests;
// it does not use roci_net (which is tested against these fakes). Framing is http_wire.h's.
//
//   TestResponse r = http_call(port, "GET", "/v1/models");   // one exchange on its own connection
//   EXPECT_EQ(r.status, 200); auto json = r.json();
//
//   TestConnection c(port);                                   // keep-alive, raw bytes, SSE
//   c.send(raw_post("/v1/chat/completions", body));           // exact bytes
//   TestResponse head = c.read_head();
//   while (auto event = c.read_event()) ...                   // "data: {...}" one event at a time
//   c.send_request("GET", "/v1/models");
//   TestResponse next = c.read_response();                     // the next response, whole
//   std::string rest = c.read_to_eof();                       // or raw: everything until close
//
// Raw reads (read_until, read_to_eof) and framed reads (read_head, read_event, read_response)
// share one buffer: received() holds the bytes no framed read has consumed yet.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_wire.h"

namespace roci::testing {
namespace detail {
struct ResponseReading;
}

struct TestResponse {
  int status = 0;
  Fields headers;                   // wire order, names as sent
  std::string body;                 // de-chunked
  std::vector<std::string> chunks;  // a chunked body's chunk payloads, in order
  std::string raw;                  // the response's bytes as received
  bool complete = false;  // the framing ended it (false: the connection ended, time ran out or
                          // the bytes were not HTTP first; `error` says which)
  bool keep_alive = false;
  std::string error;

  std::string header(std::string_view name) const { return field_value(headers, name); }
  // The body as JSON; null when it does not parse.
  boost::json::value json() const;
};

class TestConnection {
 public:
  using Ms = std::chrono::milliseconds;

  // Connects to 127.0.0.1:port (deadline 10 s; throws std::runtime_error when refused).
  // `receive_buffer_bytes` > 0 sets SO_RCVBUF first: a client that then stops reading stalls the
  // server after little data.
  explicit TestConnection(unsigned short port, int receive_buffer_bytes = 0);
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  // Writes every byte before `timeout`; throws std::runtime_error when the peer is gone or the
  // time runs out.
  void send(std::string_view bytes, Ms timeout = std::chrono::seconds(10));
  void send_request(std::string_view method, std::string_view target, std::string_view body = {},
                    const Fields& fields = {});
  // send_request() + read_response(); throws std::runtime_error unless the response completes.
  TestResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       const Fields& fields = {}, Ms timeout = std::chrono::seconds(30));

  // The next response (or the rest of the one read_head() began), consumed from received().
  // Never throws: `complete` and `error` tell how it ended.
  TestResponse read_response(Ms timeout = std::chrono::seconds(10));
  // Reads the next response's status line and headers (body empty): `complete` is false until
  // read_response() finishes it. Status 0 when no head arrived.
  TestResponse read_head(Ms timeout = std::chrono::seconds(10));
  // The next SSE event of the response being read (its text without the blank line); nullopt at
  // the end of the body, at a close, a framing error or the deadline.
  std::optional<std::string> read_event(Ms timeout = std::chrono::seconds(10));
  // A response to a HEAD request has no body: call before reading it.
  void expect_head_response() { head_request_ = true; }

  // Raw reads: until `needle` is in received() (or the close or the deadline); return received().
  const std::string& read_until(std::string_view needle, Ms timeout = std::chrono::seconds(10));
  const std::string& read_to_eof(Ms timeout = std::chrono::seconds(10));
  // True when the server closes the connection within `timeout` (what it sends is kept).
  bool wait_for_close(Ms timeout);
  // Ends the client's sending side (shutdown SHUT_WR), as `nc -N` does after its input.
  void shutdown_send();
  // True once a read saw the server close the connection (EOF or reset), not a deadline.
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }

  // Closes both directions now (a client that goes away).
  void close();

 private:
  using Reading = detail::ResponseReading;
  // Reads what is available before `deadline` into received_; false at EOF, error or deadline.
  bool read_more(std::chrono::steady_clock::time_point deadline);
  // The response being read (begun when needed); feed() gives it the bytes of received_.
  Reading& reading();
  void feed();
  // Hands out the response being read, complete or not, and forgets it.
  TestResponse finish_reading();

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
  bool head_request_ = false;
  std::unique_ptr<Reading> reading_;
};

// One exchange on a fresh connection: throws std::runtime_error when no complete response
// arrives before `timeout`.
TestResponse http_call(unsigned short port, std::string_view method, std::string_view target,
                       std::string body = {}, Fields fields = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A POST with a JSON body, as request bytes; `extra_headers` are raw lines ("Name: v\r\n").
inline std::string raw_post(std::string_view target, std::string_view body,
                            std::string_view extra_headers = {}) {
  return request_text("POST", target, body, {}, extra_headers);
}

// Decodes captured bytes of one response (what read_to_eof() returned, say): a response cut short
// has complete == false and what arrived of its body.
TestResponse parse_response(std::string_view raw);
// The payload of a chunked body (without the head): "5\r\nhello\r\n0\r\n\r\n" -> "hello".
std::string dechunk(std::string_view chunked_body);
// The data of each SSE event of a decoded event-stream body, in order ("[DONE]" included).
std::vector<std::string> sse_data(std::string_view body);
// The status codes of every "HTTP/1.x NNN" status line in raw bytes, in order. Every occurrence
// counts: for responses whose bodies do not quote a status line.
std::vector<int> raw_statuses(std::string_view text);

}  // namespace roci::testing
