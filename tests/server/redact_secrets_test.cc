// Secrets stay out of run records: RedactSecrets clears the join token and nothing else, and
// RunRecord::Create writes spec.yaml without it (the record of a game with a join token plans the
// same game as its spec).
#include "server/record/redact_secrets.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "server/record/run_file.h"
#include "server/record/run_record.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kRunWithToken[] = R"(game: prisoners_dilemma
learner: hedge
rounds: 20
seed: 3
service:
  round_deadline_ms: 250
  straggler: repeat_last
  evict_after: 4
  join_token: "s3cret-join"
  local_seats: [1]
)";

TEST(RedactSecrets, ClearsTheJoinTokenAndNothingElse) {
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(kRunWithToken, "run.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->service().join_token(), "s3cret-join");
  v1::RunSpec redacted = *spec;
  RedactSecrets(&redacted);
  EXPECT_EQ(redacted.service().join_token(), "");
  v1::RunSpec expected = *spec;
  expected.mutable_service()->clear_join_token();
  EXPECT_TRUE(MessageDifferencer::Equals(redacted, expected)) << redacted.DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(Redacted(*spec), expected));
  EXPECT_EQ(spec->service().join_token(), "s3cret-join") << "Redacted copies";

  v1::RunSpec no_service;  // no service section: stays without one
  RedactSecrets(&no_service);
  EXPECT_FALSE(no_service.has_service());
}

TEST(RedactSecrets, TheRunRecordsSpecYamlHasNoJoinToken) {
  test::TempDir tmp;
  absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(kRunWithToken, "run.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<RunRecord> record = RunRecord::Create(tmp.path() / "record", *spec);
  ASSERT_TRUE(record.ok()) << record.status();
  const std::string yaml = test::ReadFile(tmp.path() / "record" / "spec.yaml");
  EXPECT_EQ(yaml.find("s3cret"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("join_token: \"\""), std::string::npos) << yaml;
  // Exactly the redacted spec's canonical YAML, the rest of the service section kept.
  EXPECT_EQ(yaml, WriteRunSpecYaml(Redacted(*spec)));
  absl::StatusOr<v1::RunSpec> back = ParseRunSpecYaml(yaml, "spec.yaml");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->service().round_deadline_ms(), 250);
  EXPECT_EQ(back->service().evict_after(), 4);
  ASSERT_EQ(back->service().local_seats_size(), 1);
  EXPECT_EQ(back->service().local_seats(0), 1);
}

}  // namespace
}  // namespace nashnet::server
