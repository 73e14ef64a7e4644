// HostedGame's private parts shared by hosted_game.cc and hosted_game_end.cc: a seat's state and
// the run record used on the disk thread. Not for other files.
//
// Thread safety: a Seat is touched on its game's strand; a Record on the RecordWriter thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "agents/learner.h"
#include "server/record/run_record.h"
#include "server/service/hosted_game.h"

namespace nashnet::server {

struct HostedGame::Seat {
  bool local = false;
  int local_index = -1;  // into locals_ (local seats)
  int dimension = 0;     // continuous games: d of the action box (remote seats)

  SeatStream* stream = nullptr;  // the connected agent; null = vacant
  bool issued = false;           // a resume token was handed out (an agent joined)
  std::string token;             // before the start it outlives a vanished agent (see Vacate)
  std::string agent_name;
  std::string algorithm;             // as the agent reported it
  int64_t first_feedback_round = 0;  // the stream joined mid-round: no Feedback before this
  bool joined_pending = false;       // Joined goes out when the current round is resolved
  // When this stream's Joined went out (a response time counts from it or the round's start).
  std::chrono::steady_clock::time_point joined_at;

  int64_t missed = 0;       // deadlines missed, in all
  int64_t consecutive = 0;  // deadlines missed in a row by the connected agent
  int64_t substituted = 0;
  int64_t rejected = 0;
  bool evicted = false;

  bool submitted = false;        // this round
  bool substituted_now = false;  // this round's action came from the straggler policy
  bool played_default = false;   // ... and it was the default action

  bool has_last = false;
  bool last_has_strategy = false;
  agents::Action last_action;  // the agent's last accepted action
  agents::MixedStrategy last_strategy;
  bool default_has_strategy = false;
  agents::Action default_action;  // finite: default_action; continuous: the box centre
  agents::MixedStrategy default_strategy;
};

struct HostedGame::Record {
  RunRecord record;
  std::unique_ptr<RoundsCsvWriter> rounds;
};

}  // namespace nashnet::server
