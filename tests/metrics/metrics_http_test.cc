// The /metrics server's HTTP on bytes (metrics_http.h): where a request head ends, and what each
// request gets.
#include "server/metrics/metrics_http.h"

#include <string>

#include "gtest/gtest.h"

namespace nashnet::server {
namespace {

TEST(MetricsHttp, RequestHeadEndsAtTheBlankLine) {
  EXPECT_EQ(RequestHeadEnd("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 34u);
  EXPECT_EQ(RequestHeadEnd("GET /metrics HTTP/1.0\n\n"), 23u);
  EXPECT_EQ(RequestHeadEnd("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nbody"), 34u);
  for (const char* partial : {"", "GET /metr", "GET /metrics HTTP/1.1\r\n", "GET / HTTP/1.1\r\n\r",
                              "GET / HTTP/1.1\r\nHost: x\r\n"}) {
    EXPECT_EQ(RequestHeadEnd(partial), std::string::npos) << partial;
  }
}

TEST(MetricsHttp, EachRequestGetsItsStatus) {
  int bodies = 0;
  auto body = [&] {
    ++bodies;
    return std::string("nashnet_up 1\n");
  };
  const struct {
    const char* request;
    const char* status_line;
    bool has_body;
  } cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK", true},
      {"GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK", true},
      {"GET /metrics?name[]=x HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", true},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", false},
      {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", true},
      {"GET /metrics/x HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", true},
      {"POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed", true},
      {"GET /metrics\r\n\r\n", "HTTP/1.1 400 Bad Request", true},
      {"GET /metrics HTTP/2\r\n\r\n", "HTTP/1.1 400 Bad Request", true},
      {"GET  /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request", true},
      {"\r\n\r\n", "HTTP/1.1 400 Bad Request", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request);
    const std::string response = RespondToRequest(c.request, body);
    EXPECT_EQ(response.substr(0, response.find("\r\n")), c.status_line);
    EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos);
    const size_t end = response.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos);
    const std::string after = response.substr(end + 4);
    EXPECT_EQ(!after.empty(), c.has_body) << after;
    if (std::string(c.status_line) == "HTTP/1.1 200 OK") {
      EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
      EXPECT_NE(response.find("Content-Length: 13\r\n"), std::string::npos) << "HEAD too";
      if (c.has_body) {
        EXPECT_EQ(after, "nashnet_up 1\n");
      }
    }
  }
  EXPECT_EQ(bodies, 4) << "the registry is serialized for the 200s only";
  EXPECT_NE(RespondToRequest("PUT /metrics HTTP/1.1\r\n\r\n", body).find("Allow: GET, HEAD\r\n"),
            std::string::npos);
  EXPECT_EQ(RequestTooLargeResponse().rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0),
            0u);
}

}  // namespace
}  // namespace nashnet::server
