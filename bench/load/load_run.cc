#include "bench/load/load_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/load/agent_stream.h"
#include "common/status_macros.h"

namespace nashnet::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Sleep(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

double Median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

ProcStats Stats(pid_t pid) {
  return pid > 0 ? ReadProcStats(pid).value_or(ProcStats{}) : ProcStats{};
}

// One server with its games and agents.
struct Side {
  LoadSide where;
  std::vector<std::unique_ptr<v1::Coordinator::Stub>> stubs;  // one per channel
  std::vector<std::string> ids;
  std::vector<std::string> sample;
  StreamGroup group;
  Gate gate{/*open=*/false};
  std::vector<std::unique_ptr<AgentStream>> streams;
  ProcStats idle, created, playing;
  double create_seconds = 0;
  std::vector<double> block_rates;   // agent-updates/s per block
  std::vector<double> block_cpu_us;  // server CPU µs per agent-update per block
  std::vector<int64_t> rounds_before, rounds_after;

  [[nodiscard]] int64_t updates() const {
    int64_t sum = 0;
    for (const auto& s : streams) sum += s->updates();
    return sum;
  }

  // One measured block: open, settle, count, close, let in-flight rounds drain.
  void Block(const LoadOptions& options) {
    gate.Open();
    Sleep(options.settle_seconds);
    const int64_t u0 = updates();
    const double cpu0 = Stats(where.pid).cpu_seconds;
    const auto t0 = Clock::now();
    Sleep(options.block_seconds);
    const int64_t u1 = updates();
    const double cpu1 = Stats(where.pid).cpu_seconds;
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    gate.Close();
    block_rates.push_back(static_cast<double>(u1 - u0) / seconds);
    block_cpu_us.push_back(u1 > u0 ? 1e6 * (cpu1 - cpu0) / static_cast<double>(u1 - u0) : 0.0);
    Sleep(0.05);
  }

  [[nodiscard]] std::string Json() const {
    const int64_t n = static_cast<int64_t>(streams.size());
    int advanced = 0;
    for (size_t i = 0; i < sample.size(); ++i) {
      if (rounds_before[i] >= 0 && rounds_after[i] > rounds_before[i]) ++advanced;
    }
    return absl::StrFormat(
        "{\"target\": %s, \"games\": %d, \"streams\": %d, \"joined\": %d, \"started\": %d, "
        "\"failed\": %d, \"errors\": %d, \"first_failure\": %s, \"create_seconds\": %.3f, "
        "\"updates_per_second\": %.1f, \"block_rates\": [%s], "
        "\"server_cpu_us_per_update\": %.3f, \"block_cpu_us\": [%s], "
        "\"rss_idle_kib\": %d, \"rss_created_kib\": %d, \"rss_playing_kib\": %d, "
        "\"hwm_kib\": %d, \"server_threads\": %d, \"rss_per_agent_kib\": %.2f, "
        "\"sample_games\": %d, \"sample_advanced\": %d, \"sample_rounds_before\": [%s], "
        "\"sample_rounds_after\": [%s]}",
        JsonString(where.target), static_cast<int>(ids.size()), n, group.joined.load(),
        group.started.load(), group.failed.load(), group.errors.load(),
        JsonString(group.first_failure()), create_seconds, Median(block_rates),
        absl::StrJoin(block_rates, ", ",
                      [](std::string* out, double v) { absl::StrAppendFormat(out, "%.1f", v); }),
        Median(block_cpu_us),
        absl::StrJoin(block_cpu_us, ", ",
                      [](std::string* out, double v) { absl::StrAppendFormat(out, "%.3f", v); }),
        idle.rss_kib, created.rss_kib, playing.rss_kib, playing.hwm_kib, playing.threads,
        n > 0 ? static_cast<double>(playing.rss_kib - idle.rss_kib) / static_cast<double>(n) : 0.0,
        static_cast<int>(sample.size()), advanced, absl::StrJoin(rounds_before, ", "),
        absl::StrJoin(rounds_after, ", "));
  }
};

absl::Status Connect(const LoadOptions& options, Side* side) {
  for (auto& channel : MakeChannels(side->where.target, options.channels)) {
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", side->where.target));
    }
    side->stubs.push_back(v1::Coordinator::NewStub(channel));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadOptions::Validate() const {
  if (sides.empty() || sides.size() > 2) {
    return absl::InvalidArgumentError("--target: give one or two servers");
  }
  if (games < 1 || seats_per_game < 1 || channels < 1 || pairs < 1 || block_seconds <= 0) {
    return absl::InvalidArgumentError(
        "--games, --seats-per-game, --channels, --pairs, --block must be positive");
  }
  return absl::OkStatus();
}

absl::Status RunLoad(const LoadOptions& options, std::string* json) {
  NASHNET_RETURN_IF_ERROR(options.Validate());
  std::vector<std::unique_ptr<Side>> sides;
  for (const LoadSide& where : options.sides) {
    sides.push_back(std::make_unique<Side>());
    sides.back()->where = where;
    NASHNET_RETURN_IF_ERROR(Connect(options, sides.back().get()));
  }
  // Idle RSS of every server before any game exists; then the games.
  for (auto& side : sides) side->idle = Stats(side->where.pid);
  for (auto& side : sides) {
    const auto begin = Clock::now();
    NASHNET_RETURN_IF_ERROR(CreateGames(side->stubs[0].get(), options.admin_token, options.game,
                                        options.games, &side->ids));
    side->create_seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    side->created = Stats(side->where.pid);
    const size_t stride = std::max<size_t>(
        1, side->ids.size() / static_cast<size_t>(std::max(1, options.sample_games)));
    for (size_t i = 0;
         i < side->ids.size() && side->sample.size() < static_cast<size_t>(options.sample_games);
         i += stride) {
      side->sample.push_back(side->ids[i]);
    }
  }
  // Every agent of every side joins (gates closed: each side's games wait at round 1).
  const auto join_begin = Clock::now();
  int64_t total = 0;
  for (auto& side : sides) {
    for (const std::string& id : side->ids) {
      for (int seat = 0; seat < options.seats_per_game; ++seat) {
        auto stream = std::make_unique<AgentStream>(id, seat, &side->group, &side->gate);
        stream->Start(side->stubs[side->streams.size() % side->stubs.size()].get());
        side->streams.push_back(std::move(stream));
      }
    }
    total += static_cast<int64_t>(side->streams.size());
  }
  auto started = [&] {
    int64_t n = 0;
    for (auto& side : sides) n += side->group.started.load() + side->group.failed.load();
    return n;
  };
  const auto deadline =
      join_begin + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(options.start_timeout_seconds));
  while (started() < total && Clock::now() < deadline) Sleep(0.02);
  const double join_seconds = std::chrono::duration<double>(Clock::now() - join_begin).count();

  for (auto& side : sides) {
    side->gate.Open();
    Sleep(options.warmup_seconds);
    side->gate.Close();
  }
  for (auto& side : sides) {
    side->rounds_before = SampleRounds(side->stubs[0].get(), options.admin_token, side->sample);
  }
  // Blocks AB BA AB ...: pair p runs side (p % 2) first.
  std::vector<double> ratios;
  for (int p = 0; p < options.pairs; ++p) {
    for (size_t k = 0; k < sides.size(); ++k) sides[(k + p) % sides.size()]->Block(options);
    if (sides.size() == 2 && sides[0]->block_rates.back() > 0) {
      ratios.push_back(sides[1]->block_rates.back() / sides[0]->block_rates.back());
    }
  }
  for (auto& side : sides) {
    side->playing = Stats(side->where.pid);
    side->rounds_after = SampleRounds(side->stubs[0].get(), options.admin_token, side->sample);
  }
  int64_t done = 0;
  for (auto& side : sides) {
    for (auto& stream : side->streams) stream->Cancel();  // parked Actions are never sent
  }
  for (auto& side : sides) {
    done +=
        side->group.WaitDone(static_cast<int64_t>(side->streams.size()), std::chrono::seconds(60));
  }
  const ProcStats self = Stats(getpid());
  std::vector<std::string> side_json;
  for (auto& side : sides) side_json.push_back(side->Json());
  *json = absl::StrFormat(
      "{\"pairs\": %d, \"block_seconds\": %.3f, \"settle_seconds\": %.3f, \"channels\": %d, "
      "\"join_seconds\": %.3f, \"ratio\": %.4f, \"ratios\": [%s], \"loadgen_rss_kib\": %d, "
      "\"streams_done_after_cancel\": %d, \"sides\": [%s]}",
      options.pairs, options.block_seconds, options.settle_seconds, options.channels, join_seconds,
      Median(ratios),
      absl::StrJoin(ratios, ", ",
                    [](std::string* out, double v) { absl::StrAppendFormat(out, "%.4f", v); }),
      self.hwm_kib, done, absl::StrJoin(side_json, ", "));
  for (auto& side : sides) {
    const int64_t n = static_cast<int64_t>(side->streams.size());
    if (side->group.started.load() < n) {
      return absl::DeadlineExceededError(
          absl::StrCat(side->where.target, ": only ", side->group.started.load(), " of ", n,
                       " streams started (", side->group.failed.load(),
                       " failed: ", side->group.first_failure(), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace nashnet::bench
