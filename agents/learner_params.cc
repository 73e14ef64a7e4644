#include "agents/learner_params.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nashnet::agents {

void ParamReader::Read(std::string_view name, double* value) {
  known_.emplace_back(name);
  if (auto it = params_.find(name); it != params_.end()) *value = it->second;
}

void ParamReader::ReadInt(std::string_view name, int* value) {
  known_.emplace_back(name);
  auto it = params_.find(name);
  if (it == params_.end()) return;
  const double v = it->second;
  if (!std::isfinite(v) || v != std::floor(v) || v < std::numeric_limits<int>::min() ||
      v > std::numeric_limits<int>::max()) {
    if (error_.empty()) {
      error_ = absl::StrCat(algorithm_, ": parameter '", std::string(name),
                            "' must be an integer, got ", v);
    }
    return;
  }
  *value = static_cast<int>(v);
}

absl::Status ParamReader::Finish() const {
  if (!error_.empty()) return absl::InvalidArgumentError(error_);
  for (const auto& [name, value] : params_) {
    bool found = false;
    for (const std::string& k : known_) found = found || k == name;
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(algorithm_, ": unknown parameter '", name,
                                                     "' (known: ", absl::StrJoin(known_, ", "),
                                                     ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace nashnet::agents
