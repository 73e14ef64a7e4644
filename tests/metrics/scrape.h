// Helpers of the exporter tests: Prometheus text format → {"name{labels}" → value}, and a plain
// HTTP GET over a POSIX socket (the /metrics scrape of a real coordinator).
//
//   Samples s = ParseText(HttpGet(port, "/metrics").value());
//   EXPECT_EQ(s.at("nashnet_agents_connected"), 2);
//   EXPECT_EQ(s.at(R"(nashnet_player_regret{game="g1",player="0"})"), 1.5);
//
// Thread safety: free functions, no shared state.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace nashnet::metrics_test {

// Sample lines keyed by their series exactly as written (labels in the exporter's order, which is
// sorted by label name); comments skipped.
using Samples = std::map<std::string, double>;

inline Samples ParseText(const std::string& text) {
  Samples samples;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    // The value follows the last space outside the labels (label values here have no '}').
    const size_t close = line.find('}');
    const size_t space = line.find(' ', close == std::string::npos ? 0 : close);
    if (space == std::string::npos) continue;
    samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

// Whether any series of `samples` contains `needle` in its name or labels.
inline bool AnySeries(const Samples& samples, const std::string& needle) {
  for (const auto& [series, value] : samples) {
    if (series.find(needle) != std::string::npos) return true;
  }
  return false;
}

// GET http://127.0.0.1:port/path → the body (HTTP/1.0, so the server closes the connection).
inline absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  timeval timeout{.tv_sec = 10, .tv_usec = 0};  // a broken server fails the test, never hangs it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to 127.0.0.1:", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return absl::UnavailableError("send failed");
  }
  std::string response;
  char buffer[16384];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;)
    response.append(buffer, got);
  ::close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) {
    return absl::InternalError(absl::StrCat("not an HTTP response: ", response.substr(0, 200)));
  }
  const std::string status_line = response.substr(0, response.find("\r\n"));
  if (status_line.find(" 200") == std::string::npos) {
    return absl::InternalError(absl::StrCat("HTTP status: ", status_line));
  }
  return response.substr(body + 4);
}

}  // namespace nashnet::metrics_test
