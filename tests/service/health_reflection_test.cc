// The coordinator answers gRPC health checks (grpc.health.v1.Health/Check) and, with --reflection
// only, server reflection (grpc.reflection.v1alpha.ServerReflection). Debian ships neither proto
// for C++, so the few bytes of each request are encoded by hand and the answers read as protobuf
// wire format.
#include <grpcpp/generic/generic_stub.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/service/service_harness.h"

namespace nashnet::service_test {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// A length-delimited field (wire type 2) with a short (< 128 bytes) payload.
std::string StringField(int number, const std::string& value) {
  return std::string{static_cast<char>(number << 3 | 2), static_cast<char>(value.size())} + value;
}

// Waits for the next event of `cq` and returns its ok bit.
bool Next(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  const auto deadline = std::chrono::system_clock::now() + kRpcTimeout;
  return cq.AsyncNext(&tag, &ok, deadline) == grpc::CompletionQueue::GOT_EVENT && ok;
}

void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

// grpc.health.v1.Health/Check for `service`: the ServingStatus (1 = SERVING) or the call's error.
absl::StatusOr<int> HealthCheck(std::shared_ptr<grpc::Channel> channel,
                                const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  grpc::CompletionQueue cq;
  // HealthCheckRequest { string service = 1; }
  const grpc::ByteBuffer request = ToBuffer(service.empty() ? "" : StringField(1, service));
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  Next(cq);
  Drain(cq);
  if (!status.ok()) return ToAbsl(status);
  // HealthCheckResponse { ServingStatus status = 1; }: bytes 0x08 <varint>; empty = UNKNOWN (0).
  const std::string bytes = FromBuffer(response);
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != 0x08) return absl::InternalError("odd health answer");
  return static_cast<int>(bytes[1]);
}

// One request/response of ServerReflectionInfo; returns the raw response bytes.
absl::StatusOr<std::string> Reflect(Coordinator& c, const std::string& request_bytes) {
  grpc::GenericStub stub(c.channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* const tag = reinterpret_cast<void*>(1);
  call->StartCall(tag);
  std::string answer;
  grpc::ByteBuffer response;
  grpc::Status status;
  if (Next(cq)) {
    call->Write(ToBuffer(request_bytes), tag);
    if (Next(cq)) {
      call->Read(&response, tag);
      if (Next(cq)) answer = FromBuffer(response);
      call->WritesDone(tag);
      Next(cq);
    }
  }
  call->Finish(&status, tag);
  Next(cq);
  Drain(cq);
  if (answer.empty()) {
    return status.ok() ? absl::InternalError("no reflection answer") : ToAbsl(status);
  }
  return answer;
}

TEST(HealthAndReflection, HealthCheckAnswersServing) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  absl::StatusOr<int> overall = HealthCheck((*coordinator)->channel(), "");
  ASSERT_TRUE(overall.ok()) << overall.status();
  EXPECT_EQ(*overall, 1) << "1 = SERVING";
  // An unknown service is NOT_FOUND (the health service's contract), so the check is real.
  absl::StatusOr<int> unknown = HealthCheck((*coordinator)->channel(), "no.such.Service");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound) << unknown.status();
}

TEST(HealthAndReflection, AHealthPortServesProbesInPlaintextAndNothingElse) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  const std::filesystem::path port_file = dir.path() / "health.port";
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(
      dir.path(), {"--health-listen", "127.0.0.1:0", "--health-port-file", port_file.string()});
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  const int port = std::atoi(ReadFile(port_file).c_str());
  ASSERT_GT(port, 0);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  absl::StatusOr<int> overall = HealthCheck(channel, "");
  ASSERT_TRUE(overall.ok()) << overall.status();
  EXPECT_EQ(*overall, 1);
  absl::StatusOr<int> service = HealthCheck(channel, "nashnet.v1.Coordinator");
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(*service, 1);
  // Only health lives there: the coordinator's RPCs are not served on the probe port.
  auto stub = v1::Coordinator::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  v1::ListGamesResponse games;
  EXPECT_EQ(stub->ListGames(&context, v1::ListGamesRequest(), &games).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST(HealthAndReflection, ReflectionIsOffByDefault) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator = Coordinator::Start(dir.path());
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  absl::StatusOr<std::string> services = Reflect(**coordinator, StringField(7, "*"));
  EXPECT_EQ(services.status().code(), absl::StatusCode::kUnimplemented) << services.status();
  // The coordinator itself is there (the refusal is reflection's, not a dead server).
  absl::StatusOr<int> overall = HealthCheck((*coordinator)->channel(), "");
  ASSERT_TRUE(overall.ok()) << overall.status();
  EXPECT_EQ(*overall, 1);
}

TEST(HealthAndReflection, ReflectionListsTheCoordinatorAndServesItsDescriptor) {
  NASHNET_REQUIRE_BINARIES();
  TestDir dir;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Start(dir.path(), {"--reflection"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  // ServerReflectionRequest { string list_services = 7; }
  absl::StatusOr<std::string> services = Reflect(**coordinator, StringField(7, "*"));
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_NE(services->find("nashnet.v1.Coordinator"), std::string::npos);
  EXPECT_NE(services->find("grpc.health.v1.Health"), std::string::npos);
  // ServerReflectionRequest { string file_containing_symbol = 4; }: the answer carries
  // coordinator.proto's FileDescriptorProto, which names the file and its methods.
  absl::StatusOr<std::string> file =
      Reflect(**coordinator, StringField(4, "nashnet.v1.Coordinator"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_NE(file->find("nashnet/v1/coordinator.proto"), std::string::npos);
  EXPECT_NE(file->find("WatchGame"), std::string::npos);
}

}  // namespace
}  // namespace nashnet::service_test
