// Request bounds (server/service/request_bounds.h) field by field, and ListGames paging
// (server/service/list_games.h): page sizes, tokens, the directory's pages in id order.
#include "server/service/request_bounds.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/service/game_directory.h"
#include "server/service/list_games.h"

// GCC 12 reports a false -Wrestrict in std::string's copy inlined into these lambdas (GCC bug
// 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

namespace nashnet::server {
namespace {

struct Case {
  std::string field;  // what the message must name
  std::function<void(v1::CreateGameRequest*)> fill;
};

// Each case puts one field one past its bound: refused naming it. At the bound: accepted.
TEST(RequestBounds, CreateGameNamesEveryFieldPastItsBound) {
  auto text = [](size_t n) { return std::string(n, 'x'); };
  const std::vector<std::pair<Case, Case>> cases = {
      {{"game_id", [&](auto* r) { r->set_game_id(text(kMaxGameIdBytes + 1)); }},
       {"", [&](auto* r) { r->set_game_id(text(kMaxGameIdBytes)); }}},
      {{"record_dir", [&](auto* r) { r->set_record_dir(text(5000)); }},
       {"", [&](auto* r) { r->set_record_dir(text(255)); }}},
      {{"record_dir: a folder name of 256 bytes",
        [&](auto* r) { r->set_record_dir(absl::StrCat("a/", text(256))); }},
       {"", [&](auto* r) { r->set_record_dir(absl::StrCat("a/", text(255))); }}},
      {{"record_dir: more than 8 folders deep",
        [&](auto* r) { *r->mutable_record_dir() = absl::StrCat("a/b/c/d/e/f/g/h/", text(1)); }},
       {"", [&](auto* r) { *r->mutable_record_dir() = absl::StrCat("a/b/c/d/e/f/g/", text(1)); }}},
      {{"spec.name", [&](auto* r) { r->mutable_spec()->set_name(text(1 << 20)); }},
       {"", [&](auto* r) { r->mutable_spec()->set_name(text(kMaxSpecNameBytes)); }}},
      {{"game.name",
        [&](auto* r) { r->mutable_spec()->mutable_game()->set_name(text(kMaxGameNameBytes + 1)); }},
       {"",
        [&](auto* r) { r->mutable_spec()->mutable_game()->set_name(text(kMaxGameNameBytes)); }}},
      {{"game.params: 65 entries",
        [&](auto* r) {
          for (size_t k = 0; k <= kMaxGameParams; ++k) {
            (*r->mutable_spec()->mutable_game()->mutable_params())[absl::StrCat("p", k)] = "1";
          }
        }},
       {"",
        [&](auto* r) {
          for (size_t k = 0; k < kMaxGameParams; ++k) {
            (*r->mutable_spec()->mutable_game()->mutable_params())[absl::StrCat("p", k)] = "1";
          }
        }}},
      {{"game.params key",
        [&](auto* r) {
          (*r->mutable_spec()->mutable_game()->mutable_params())[text(kMaxParamKeyBytes + 1)] = "1";
        }},
       {"",
        [&](auto* r) {
          (*r->mutable_spec()->mutable_game()->mutable_params())[text(kMaxParamKeyBytes)] = "1";
        }}},
      {{"game.params.latency",
        [&](auto* r) {
          (*r->mutable_spec()->mutable_game()->mutable_params())["latency"] =
              text(kMaxGameParamValueBytes + 1);
        }},
       {"",
        [&](auto* r) {
          (*r->mutable_spec()->mutable_game()->mutable_params())["latency"] =
              text(kMaxGameParamValueBytes);
        }}},
      {{"service.join_token",
        [&](auto* r) {
          r->mutable_spec()->mutable_service()->set_join_token(text(kMaxJoinTokenBytes + 1));
        }},
       {"",
        [&](auto* r) {
          r->mutable_spec()->mutable_service()->set_join_token(text(kMaxJoinTokenBytes));
        }}},
      {{"learner.algorithm",
        [&](auto* r) {
          r->mutable_spec()->mutable_learner()->set_algorithm(text(kMaxAlgorithmBytes + 1));
        }},
       {"",
        [&](auto* r) {
          r->mutable_spec()->mutable_learner()->set_algorithm(text(kMaxAlgorithmBytes));
        }}},
      {{"learner.params: 65 entries",
        [&](auto* r) {
          for (size_t k = 0; k <= kMaxLearnerParams; ++k) {
            (*r->mutable_spec()->mutable_learner()->mutable_params())[absl::StrCat("p", k)] = 1;
          }
        }},
       {"",
        [&](auto* r) {
          for (size_t k = 0; k < kMaxLearnerParams; ++k) {
            (*r->mutable_spec()->mutable_learner()->mutable_params())[absl::StrCat("p", k)] = 1;
          }
        }}},
      {{"players[1].params key",
        [&](auto* r) {
          r->mutable_spec()->add_players();
          (*r->mutable_spec()->add_players()->mutable_params())[text(kMaxParamKeyBytes + 1)] = 1;
        }},
       {"",
        [&](auto* r) {
          r->mutable_spec()->add_players();
          (*r->mutable_spec()->add_players()->mutable_params())[text(kMaxParamKeyBytes)] = 1;
        }}},
      {{"players: 1000001 entries",
        [&](auto* r) {
          for (size_t k = 0; k <= kMaxPlayerLearners; ++k) r->mutable_spec()->add_players();
        }},
       {"",
        [&](auto* r) {
          for (size_t k = 0; k < kMaxPlayerLearners; ++k) r->mutable_spec()->add_players();
        }}},
      {{"service.local_seats: 1000001 entries",
        [&](auto* r) {
          for (size_t k = 0; k <= kMaxLocalSeats; ++k) {
            r->mutable_spec()->mutable_service()->add_local_seats(0);
          }
        }},
       {"",
        [&](auto* r) {
          for (size_t k = 0; k < kMaxLocalSeats; ++k) {
            r->mutable_spec()->mutable_service()->add_local_seats(0);
          }
        }}},
  };
  for (const auto& [past, at] : cases) {
    SCOPED_TRACE(past.field);
    v1::CreateGameRequest request;
    past.fill(&request);
    const absl::Status status = CheckCreateGameBounds(request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(status.message().substr(0, past.field.size()), past.field) << status;
    v1::CreateGameRequest fine;
    at.fill(&fine);
    EXPECT_TRUE(CheckCreateGameBounds(fine).ok()) << CheckCreateGameBounds(fine);
  }
}

TEST(RequestBounds, JoinNamesEveryFieldPastItsBound) {
  const std::vector<std::pair<std::string, std::function<void(v1::Join*, size_t)>>> cases = {
      {"join.game_id", [](v1::Join* j, size_t n) { j->set_game_id(std::string(n, 'g')); }},
      {"join.agent_name", [](v1::Join* j, size_t n) { j->set_agent_name(std::string(n, 'a')); }},
      {"join.algorithm", [](v1::Join* j, size_t n) { j->set_algorithm(std::string(n, 'a')); }},
      {"join.join_token", [](v1::Join* j, size_t n) { j->set_join_token(std::string(n, 't')); }},
      {"join.resume_token",
       [](v1::Join* j, size_t n) { j->set_resume_token(std::string(n, 't')); }},
      {"join.learner.algorithm",
       [](v1::Join* j, size_t n) { j->mutable_learner()->set_algorithm(std::string(n, 'a')); }},
      {"join.learner.params key",
       [](v1::Join* j, size_t n) {
         (*j->mutable_learner()->mutable_params())[std::string(n, 'k')] = 1;
       }},
  };
  const std::vector<size_t> bounds = {kMaxGameIdBytes,    kMaxAgentNameBytes, kMaxAlgorithmBytes,
                                      kMaxJoinTokenBytes, kMaxJoinTokenBytes, kMaxAlgorithmBytes,
                                      kMaxParamKeyBytes};
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].first);
    v1::Join past;
    cases[k].second(&past, bounds[k] + 1);
    const absl::Status status = CheckJoinBounds(past);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message().substr(0, cases[k].first.size()), cases[k].first) << status;
    v1::Join at;
    cases[k].second(&at, bounds[k]);
    EXPECT_TRUE(CheckJoinBounds(at).ok()) << CheckJoinBounds(at);
  }
  EXPECT_EQ(CheckGameIdBound(std::string(65, 'g'), "game_id").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckGameIdBound(std::string(64, 'g'), "game_id").ok());
}

TEST(ListGamesPaging, SizesAndTokensAreChecked) {
  v1::ListGamesRequest request;
  EXPECT_EQ(ParseGamePage(request)->size, 100u);
  request.set_page_size(5000);
  EXPECT_EQ(ParseGamePage(request)->size, 1000u);
  request.set_page_size(-1);
  EXPECT_EQ(ParseGamePage(request).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(ParseGamePage(request).status().message().find("page_size"), std::string::npos);
  request.set_page_size(3);
  request.set_page_token(GamePageToken("g17"));
  EXPECT_EQ(ParseGamePage(request)->after, "g17");
  for (const std::string& bad : {std::string("g17"), std::string("!!"), std::string(600, 'A')}) {
    request.set_page_token(bad);
    const absl::Status status = ParseGamePage(request).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(status.message().substr(0, 10), "page_token") << status;
  }
}

// Pages walk every listed game once, in id order, ended and retired ones included.
TEST(ListGamesPaging, DirectoryPagesCoverEveryGameOnceInIdOrder) {
  GameDirectory directory(/*max_games=*/100, /*max_finished=*/4);
  std::set<std::string> ids;
  for (int k = 0; k < 23; ++k) {
    const std::string id = absl::StrCat("g", k);
    ASSERT_TRUE(directory.Reserve(id).ok());
    v1::GameInfo info;
    info.set_game_id(id);
    info.set_record_dir(id);
    (void)directory.Finished(id, info);
    ids.insert(id);
  }
  ASSERT_TRUE(directory.Reserve("reserved").ok());  // not listed
  EXPECT_EQ(directory.finished_in_memory(), 4u);
  std::vector<std::string> seen;
  std::string after;
  bool more = true;
  int pages = 0;
  while (more) {
    std::vector<GameDirectory::Listed> page = directory.Page(after, 5, &more);
    ASSERT_LE(page.size(), 5u);
    for (const auto& l : page) seen.push_back(l.id);
    if (!page.empty()) after = page.back().id;
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, std::vector<std::string>(ids.begin(), ids.end()));
}

}  // namespace
}  // namespace nashnet::server
