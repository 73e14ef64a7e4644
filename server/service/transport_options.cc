#include "server/service/transport_options.h"

#include <grpc/grpc.h>

#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

// An hour-scale bound that still fits gRPC's int milliseconds.
constexpr int64_t kMaxMs = int64_t{24} * 3600 * 1000;

absl::Status CheckMs(std::chrono::milliseconds value, int64_t min, const char* flag) {
  if (value.count() < min || value.count() > kMaxMs) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be in [", min, ", ", kMaxMs, "], got ", value.count()));
  }
  return absl::OkStatus();
}

// gRPC's "unlimited" for a duration whose flag says 0.
int OrUnlimited(std::chrono::milliseconds value) {
  return value.count() == 0 ? INT_MAX : static_cast<int>(value.count());
}

}  // namespace

absl::Status TransportOptions::Validate() const {
  const struct {
    std::chrono::milliseconds value;
    int64_t min;
    const char* flag;
  } durations[] = {
      {join_timeout, 1, "--join-timeout-ms"},
      {write_timeout, 1, "--write-timeout-ms"},
      {keepalive_time, 1, "--keepalive-time-ms"},
      {keepalive_timeout, 1, "--keepalive-timeout-ms"},
      {min_ping_interval, 0, "--min-ping-interval-ms"},
      {max_connection_age, 0, "--max-connection-age-ms"},
      {max_connection_age_grace, 0, "--max-connection-age-grace-ms"},
      {max_connection_idle, 0, "--max-connection-idle-ms"},
      {handshake_timeout, 1, "--handshake-timeout-ms"},
  };
  for (const auto& d : durations) {
    if (absl::Status st = CheckMs(d.value, d.min, d.flag); !st.ok()) return st;
  }
  if (max_ping_strikes < 0 || max_ping_strikes > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-ping-strikes: must be in [0, 1000] (0 = no limit), got ", max_ping_strikes));
  }
  if (fd_reserve < 0 || fd_reserve > (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--fd-reserve: must be in [0, 1048576], got ", fd_reserve));
  }
  return absl::OkStatus();
}

void TransportOptions::ApplyTo(grpc::ServerBuilder* builder) const {
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(keepalive_time.count()));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                              static_cast<int>(keepalive_timeout.count()));
  // Keep pinging a connection whose game is quiet (a seat waits for its agent): the default stops
  // after two pings without data, and a peer that dies later would hold its seat unseen.
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                              static_cast<int>(min_ping_interval.count()));
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, max_ping_strikes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, OrUnlimited(max_connection_age));
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                              static_cast<int>(max_connection_age_grace.count()));
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, OrUnlimited(max_connection_idle));
  builder->AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                              static_cast<int>(handshake_timeout.count()));
}

}  // namespace nashnet::server
