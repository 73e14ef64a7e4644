// RedactSecrets: clears what a run spec holds that must never be written down or shown — today
// service.join_token — before the spec goes into a run record's spec.yaml, a GameInfo (GetGame,
// ListGames, StopGame, `nashnet show --json`) or a log line.
//
//   v1::RunSpec shown = plan.spec;
//   RedactSecrets(&shown);
//   WriteFileAtomically(dir / "spec.yaml", WriteRunSpecYaml(shown));
//
// A redacted spec still plans and plays the same game: the join token only admits agents.
// Thread safety: a pure function of its argument.
#pragma once

#include "nashnet/v1/spec.pb.h"

namespace nashnet::server {

void RedactSecrets(v1::RunSpec* spec);

// A copy of `spec` without its secrets.
[[nodiscard]] v1::RunSpec Redacted(const v1::RunSpec& spec);

}  // namespace nashnet::server
