#include "server/metrics/metrics_http.h"

#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

std::string Response(const std::string& status, const std::string& content_type,
                     const std::string& body, bool head, const std::string& extra_headers = "") {
  std::string text = absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", content_type,
                                  "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n",
                                  extra_headers, "\r\n");
  if (!head) text += body;
  return text;
}

std::string Error(const std::string& status, bool head, const std::string& extra_headers = "") {
  return Response(status, "text/plain; charset=utf-8", absl::StrCat(status, "\n"), head,
                  extra_headers);
}

}  // namespace

size_t RequestHeadEnd(std::string_view buffer) {
  for (size_t i = buffer.find('\n'); i != std::string_view::npos; i = buffer.find('\n', i + 1)) {
    if (i + 1 < buffer.size() && buffer[i + 1] == '\n') return i + 2;
    if (i + 2 < buffer.size() && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

std::string RespondToRequest(std::string_view head, const std::function<std::string()>& body) {
  const std::string_view line = head.substr(0, head.find_first_of("\r\n"));
  const size_t space1 = line.find(' ');
  const size_t space2 = space1 == std::string_view::npos ? space1 : line.find(' ', space1 + 1);
  if (space1 == 0 || space2 == std::string_view::npos || space2 == space1 + 1 ||
      line.find(' ', space2 + 1) != std::string_view::npos ||
      !line.substr(space2 + 1).starts_with("HTTP/1.")) {
    return Error("400 Bad Request", false);
  }
  const std::string_view method = line.substr(0, space1);
  const std::string_view target = line.substr(space1 + 1, space2 - space1 - 1);
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    return Error("405 Method Not Allowed", false, "Allow: GET, HEAD\r\n");
  }
  if (target.substr(0, target.find('?')) != "/metrics") return Error("404 Not Found", head_only);
  return Response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body(), head_only);
}

std::string RequestTooLargeResponse() {
  return Error("431 Request Header Fields Too Large", false);
}

}  // namespace nashnet::server
