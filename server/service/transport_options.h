// TransportOptions: how the coordinator's gRPC port treats connections and streams it did not
// ask for — keepalive pings (its own, and how often a client may ping), connection age and
// idleness, the Join deadline of a new Play stream, how long a finished stream waits for a client
// that does not read, and the file descriptors kept free for running games.
//
//   TransportOptions transport{.join_timeout = std::chrono::seconds(5)};
//   NASHNET_RETURN_IF_ERROR(transport.Validate());
//   grpc::ServerBuilder builder;
//   transport.ApplyTo(&builder);   // gRPC's channel arguments
//
// The defaults never cut a healthy agent: the coordinator pings a connection after a minute
// without traffic (a peer that does not answer in 20 s is gone: its seat is vacated, its agent
// resumes), accepts a client's pings up to one every 10 s (nashnet-agent pings after 60 s), and
// retires a connection after 4 hours (agents reconnect and resume their seats; the game's record
// does not change). Each field names its flag.
//
// Thread safety: a plain value.
#pragma once

#include <grpcpp/server_builder.h>

#include <chrono>

#include "absl/status/status.h"

namespace nashnet::server {

struct TransportOptions {
  using ms = std::chrono::milliseconds;
  // --join-timeout-ms: a Play stream that has not sent its Join by then ends DEADLINE_EXCEEDED.
  ms join_timeout{10000};
  // --write-timeout-ms: a stream the coordinator has finished (the game ended, a watcher's last
  // update) waits this long for a client that does not read its last messages, then is cancelled.
  ms write_timeout{10000};
  // --keepalive-time-ms / --keepalive-timeout-ms: ping a connection quiet for keepalive_time;
  // close it if the ping is not answered within keepalive_timeout.
  ms keepalive_time{60000};
  ms keepalive_timeout{20000};
  // --min-ping-interval-ms: a client pinging more often than this without data earns a strike;
  // --max-ping-strikes (0 = no limit) strikes and the connection gets GOAWAY "too_many_pings".
  ms min_ping_interval{10000};
  int max_ping_strikes = 2;
  // --max-connection-age-ms (0 = none) and --max-connection-age-grace-ms: a connection is sent
  // GOAWAY at this age (gRPC adds ±10 % jitter); its calls still open are cut after the grace.
  ms max_connection_age{4 * 3600 * 1000};
  ms max_connection_age_grace{30000};
  // --max-connection-idle-ms (0 = none): a connection without a call for this long is closed.
  ms max_connection_idle{300000};
  // --handshake-timeout-ms: a connection that has not completed its HTTP/2 handshake (the
  // client's preface and SETTINGS) by then is closed (gRPC's default is 120 s).
  ms handshake_timeout{10000};
  // --fd-reserve: descriptors kept free for running games (record writes open a file per write):
  // new connections and games are refused while fewer are free.
  int fd_reserve = 32;

  // InvalidArgument naming the flag for a value out of its range.
  [[nodiscard]] absl::Status Validate() const;
  // The gRPC server channel arguments of these options.
  void ApplyTo(grpc::ServerBuilder* builder) const;
};

}  // namespace nashnet::server
