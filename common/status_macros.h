// Status propagation helpers that Debian's Abseil does not ship.
//
//   absl::StatusOr<int> Parse(...);
//   absl::Status Load() {
//     NASHNET_ASSIGN_OR_RETURN(int n, Parse(...));
//     NASHNET_RETURN_IF_ERROR(Check(n));
//     return absl::OkStatus();
//   }
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NASHNET_STATUS_CONCAT_INNER_(a, b) a##b
#define NASHNET_STATUS_CONCAT_(a, b) NASHNET_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define NASHNET_RETURN_IF_ERROR(expr)                                   \
  do {                                                                  \
    if (absl::Status _nashnet_status = (expr); !_nashnet_status.ok()) { \
      return _nashnet_status;                                           \
    }                                                                   \
  } while (false)

// Evaluates `rexpr` (a StatusOr); returns its status if not OK, else moves its value into `lhs`.
#define NASHNET_ASSIGN_OR_RETURN(lhs, rexpr) \
  NASHNET_ASSIGN_OR_RETURN_IMPL_(NASHNET_STATUS_CONCAT_(_nashnet_statusor_, __LINE__), lhs, rexpr)

#define NASHNET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
