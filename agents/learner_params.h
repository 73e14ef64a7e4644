// ParamReader: maps a LearnerParams dictionary onto a learner's options struct, by name.
//
//   ParamReader reader("hedge", params);
//   reader.Read("gamma0", &options.gamma0);
//   reader.Read("beta", &options.beta);
//   NASHNET_RETURN_IF_ERROR(reader.Finish());   // unknown names, listing the algorithm's params
//
// Thread safety: none; a reader lives for one MakeLearner call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "agents/learner.h"

namespace nashnet::agents {

class ParamReader {
 public:
  ParamReader(std::string_view algorithm, const LearnerParams& params)
      : algorithm_(algorithm), params_(params) {}

  // Overwrites *value with the parameter `name` if it was given; records `name` as known.
  void Read(std::string_view name, double* value);
  // The same for an integer parameter; a non-integral or out-of-range value is an error.
  void ReadInt(std::string_view name, int* value);

  // InvalidArgument naming the first given parameter that no Read asked for (listing the known
  // ones) or the first integer parameter that was not an integer; OK otherwise.
  [[nodiscard]] absl::Status Finish() const;

 private:
  std::string algorithm_;
  const LearnerParams& params_;
  std::vector<std::string> known_;
  std::string error_;
};

}  // namespace nashnet::agents
