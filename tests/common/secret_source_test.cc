// Tokens from files and the environment: one trailing newline trimmed, every bad file refused
// naming the flag and the file and never echoing the secret.
#include "common/secret_source.h"

#include <stdlib.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/test_files.h"

namespace nashnet {
namespace {

using test::TempDir;
using test::WriteFile;

TEST(ReadSecretFile, TrimsOneTrailingNewline) {
  TempDir tmp;
  const struct {
    std::string text, token;
  } cases[] = {{"s3cret", "s3cret"},
               {"s3cret\n", "s3cret"},
               {"s3cret\r\n", "s3cret"},
               {" spaced token ", " spaced token "}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    WriteFile(tmp / "token", c.text);
    absl::StatusOr<std::string> token = ReadSecretFile("--admin-token-file", tmp / "token");
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(*token, c.token);
  }
}

TEST(ReadSecretFile, BadFilesAreRefusedNamingFlagAndFile) {
  TempDir tmp;
  const std::string file = tmp / "token";
  const struct {
    const char* name;
    std::string text;  // written to `file` (nothing for "missing")
    std::string error;
  } cases[] = {
      {"empty", "", "--join-token-file: " + file + " is empty"},
      {"only a newline", "\n", "--join-token-file: " + file + " is empty"},
      {"two lines", "s3cret\nmore\n", "--join-token-file: " + file + " has more than one line"},
      {"two newlines", "s3cret\n\n", "--join-token-file: " + file + " has more than one line"},
      {"too big", std::string(70000, 'x'), "--join-token-file: " + file + " is over 64 KiB"},
      {"missing", "", "--join-token-file: cannot read " + file + ": No such file or directory"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove(file);
    if (std::string(c.name) != "missing") WriteFile(file, c.text);
    absl::StatusOr<std::string> token = ReadSecretFile("--join-token-file", file);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(token.status().message().substr(0, c.error.size()), c.error)
        << token.status().message();
    EXPECT_EQ(token.status().message().find("s3cret"), std::string::npos) << "echoes the secret";
  }
  absl::StatusOr<std::string> folder = ReadSecretFile("--admin-token-file", tmp.path());
  EXPECT_EQ(folder.status().message(),
            "--admin-token-file: " + tmp.path().string() + " is a folder, not a file");
}

TEST(ResolveSecret, FlagOrFileThenEnvironment) {
  TempDir tmp;
  WriteFile(tmp / "token", "from-file\n");
  constexpr char kEnv[] = "NASHNET_TEST_SECRET_SOURCE";
  ::unsetenv(kEnv);
  SecretSource source{.flag = "--admin-token", .file_flag = "--admin-token-file", .env = kEnv};

  EXPECT_EQ(ResolveSecret(source).value(), "") << "no source: no secret";
  ::setenv(kEnv, "from-env", 1);
  EXPECT_EQ(ResolveSecret(source).value(), "from-env");
  source.file = tmp / "token";
  EXPECT_EQ(ResolveSecret(source).value(), "from-file") << "a file beats the environment";
  source.file.clear();
  source.value = "from-flag";
  EXPECT_EQ(ResolveSecret(source).value(), "from-flag");
  source.file = tmp / "token";
  absl::StatusOr<std::string> both = ResolveSecret(source);
  EXPECT_EQ(both.status().message(), "--admin-token and --admin-token-file: give one, not both");
  ::setenv(kEnv, "", 1);
  source = {.flag = "--admin-token", .file_flag = "--admin-token-file", .env = kEnv};
  EXPECT_EQ(ResolveSecret(source).value(), "") << "an empty variable is no secret";
  ::unsetenv(kEnv);
}

}  // namespace
}  // namespace nashnet
