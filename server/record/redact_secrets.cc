#include "server/record/redact_secrets.h"

namespace nashnet::server {

void RedactSecrets(v1::RunSpec* spec) {
  if (spec->has_service()) spec->mutable_service()->clear_join_token();
}

v1::RunSpec Redacted(const v1::RunSpec& spec) {
  v1::RunSpec copy = spec;
  RedactSecrets(&copy);
  return copy;
}

}  // namespace nashnet::server
