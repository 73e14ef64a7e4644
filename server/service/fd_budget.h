// FdBudget: the coordinator's file descriptors — how many the process may hold (RLIMIT_NOFILE)
// and whether new work still fits with `reserve` descriptors kept free for the work already
// admitted (the running games' record writes, which open a file per write; gRPC's own pipes).
//
//   FdBudget fds(/*reserve=*/32);
//   if (fds.Short()) { /* refuse a connection or a stream: cheap, one dup() and one close() */ }
//   NASHNET_RETURN_IF_ERROR(fds.CheckAdmission("CreateGame"));   // exact: scans /proc/self/fd
//
// Short() reads the lowest free descriptor number: the kernel always hands out the lowest free
// one, so when it is n, descriptors 0..n-1 are all open. It never reports a shortage wrongly, but
// may miss one hidden behind holes (descriptors closed below open ones); CheckAdmission counts.
// The limit is read on every call (prlimit can change it under a running process).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nashnet::server {

class FdBudget {
 public:
  // `reserve` >= 0 descriptors kept free for admitted work (--fd-reserve).
  explicit FdBudget(int reserve);
  ~FdBudget();
  FdBudget(const FdBudget&) = delete;
  FdBudget& operator=(const FdBudget&) = delete;

  [[nodiscard]] int reserve() const { return reserve_; }
  // The soft RLIMIT_NOFILE now.
  [[nodiscard]] int Limit() const;
  // Fewer than reserve() descriptors are free (or none at all).
  [[nodiscard]] bool Short() const;
  // The descriptors open now (a scan of /proc/self/fd), or -1 if it cannot be read.
  [[nodiscard]] int Count() const;
  // OK, or ResourceExhausted "<what>: out of file descriptors (N of LIMIT open, RESERVE kept free
  // for running games); try again later".
  [[nodiscard]] absl::Status CheckAdmission(absl::string_view what) const;
  // The same words for a refusal decided by Short().
  [[nodiscard]] std::string ShortMessage(absl::string_view what) const;

 private:
  const int reserve_;
  int probe_fd_ = -1;  // /dev/null: duplicated to find the lowest free descriptor
};

}  // namespace nashnet::server
