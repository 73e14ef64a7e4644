// The HTTP/1.x of the /metrics server (metrics_server.h), as pure functions on bytes: where a
// request's head ends, and the whole response to it.
//
//   size_t end = RequestHeadEnd(buffer);                 // npos: read more
//   std::string response = RespondToRequest(buffer.substr(0, end), [&] { return Serialize(); });
//
// GET or HEAD of /metrics (any query string) → 200 with the text exposition format (HEAD: no
// body); another path → 404; another method → 405 (Allow: GET, HEAD); a request line that is not
// "METHOD TARGET HTTP/1.x" → 400. Every response says Connection: close.
//
// Thread safety: pure functions (`body` is called at most once, on the caller's thread).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace nashnet::server {

// The offset just past the blank line that ends the request line and headers ("\r\n\r\n", or
// bare "\n\n" from hand-written clients), or std::string_view::npos if it has not arrived.
[[nodiscard]] size_t RequestHeadEnd(std::string_view buffer);

// The complete response to `head` (a request line and headers); `body` makes the exposition text.
[[nodiscard]] std::string RespondToRequest(std::string_view head,
                                           const std::function<std::string()>& body);

// The response to a request whose head exceeded the size limit (431).
[[nodiscard]] std::string RequestTooLargeResponse();

}  // namespace nashnet::server
