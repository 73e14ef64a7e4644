#include "cli/sweep_coordinators.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/game_info_table.h"
#include "common/status_macros.h"
#include "server/record/run_record.h"
#include "server/record/string_view_compat.h"

namespace nashnet::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Whether nobody answered at all: the coordinator is down, not there, or not speaking our TLS.
bool Unreachable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         tls::IsTlsFailure(status);
}

// Copies `from` to `to` through a partial file, so that `to` is whole or absent.
absl::Status CopyWhole(const fs::path& from, const fs::path& to) {
  const fs::path partial = to.parent_path() / absl::StrCat(".partial-", to.filename().string());
  std::error_code ec;
  fs::copy_file(from, partial, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(partial, to, ec);
  if (ec) {
    return absl::DataLossError(
        absl::StrCat("cannot copy ", from.string(), " to ", to.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCoordinatorAddress(const std::string& address) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--coordinator '", address, "': expected HOST:PORT (a port in 1..65535)"));
  };
  if (address.rfind("unix:", 0) == 0) return address.size() > 5 ? absl::OkStatus() : bad();
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad();
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return bad();
  }
  return absl::OkStatus();
}

absl::Status SweepCoordinatorsOptions::Validate() const {
  if (coordinators.empty()) return absl::InvalidArgumentError("--coordinator: none given");
  for (const CoordinatorClientOptions& c : coordinators) {
    NASHNET_RETURN_IF_ERROR(CheckCoordinatorAddress(c.address));
    NASHNET_RETURN_IF_ERROR(c.Validate());
  }
  if (max_in_flight < 1) return absl::InvalidArgumentError("--in-flight: must be at least 1");
  if (max_attempts < 1) return absl::InvalidArgumentError("max_attempts: must be at least 1");
  if (exhausted_backoff.count() < 0 || unreachable_backoff.count() < 0 || max_backoff.count() < 0) {
    return absl::InvalidArgumentError("back-off: must not be negative");
  }
  return absl::OkStatus();
}

SweepCoordinators::SweepCoordinators(SweepCoordinatorsOptions options)
    : options_(std::move(options)) {
  std::random_device random;
  nonce_ = absl::StrFormat("%08x", random());
  for (const CoordinatorClientOptions& c : options_.coordinators) {
    coordinators_.push_back({.client = std::make_unique<CoordinatorClient>(c)});
  }
}

absl::Status SweepCoordinators::CheckReachable() {
  for (size_t c = 0; c < coordinators_.size(); ++c) {
    // A game id nobody uses: NOT_FOUND is the answer of a coordinator that is there.
    absl::StatusOr<v1::GameInfo> probe = coordinators_[c].client->GetGame("nashnet-sweep-probe");
    const absl::Status status = probe.status();
    const CoordinatorClientOptions& o = options_.coordinators[c];
    if (Unreachable(status)) {
      return absl::UnavailableError(
          absl::StrCat("cannot reach coordinator at ", o.address, ": ",
                       tls::DescribeConnectFailure(status, o.security.tls())));
    }
    if (!status.ok() && !absl::IsNotFound(status)) {
      return absl::Status(status.code(),
                          absl::StrCat("coordinator ", o.address, ": ", StatusText(status)));
    }
  }
  return absl::OkStatus();
}

absl::Status SweepCoordinators::Record(const std::string& address, const std::string& game_id) {
  if (options_.ledger.empty()) return absl::OkStatus();
  const std::string line = absl::StrCat(address, " ", game_id, "\n");
  std::lock_guard<std::mutex> lock(ledger_mutex_);
  const int fd = ::open(options_.ledger.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int error = errno;
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (ok) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("cannot write ", options_.ledger.string(),
                   " (the sweep's list of its games): ", std::strerror(error)));
}

std::vector<std::string> SweepCoordinators::StopLeftovers() {
  std::vector<std::string> said;
  std::error_code ec;
  if (options_.ledger.empty() || !fs::exists(options_.ledger, ec)) return said;
  std::string unchecked;  // the lines to keep
  std::ifstream in(options_.ledger);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string address, id;
    if (!(fields >> address >> id)) continue;  // a line cut short by the kill: never created
    const std::string game = absl::StrCat("game ", id, " on ", address);
    auto it = std::find_if(options_.coordinators.begin(), options_.coordinators.end(),
                           [&](const CoordinatorClientOptions& c) { return c.address == address; });
    absl::Status stopped = absl::FailedPreconditionError(
        absl::StrCat(address, " is not one of this sweep's --coordinator"));
    if (it != options_.coordinators.end()) {
      CoordinatorClient& client = *coordinators_[it - options_.coordinators.begin()].client;
      absl::StatusOr<v1::GameInfo> info = client.GetGame(id);
      if (absl::IsNotFound(info.status())) continue;  // CreateGame never got there
      if (info.ok() && info->status() != v1::GAME_STATUS_WAITING &&
          info->status() != v1::GAME_STATUS_RUNNING) {
        continue;  // it ended
      }
      stopped = info.ok() ? client.StopGame(id).status()
                          : absl::Status(info.status().code(), StatusText(info.status()));
      if (stopped.ok()) {
        said.push_back(absl::StrCat(game, ", left running by an earlier sweep, stopped"));
        continue;
      }
    }
    said.push_back(absl::StrCat(game, ", left by an earlier sweep: cannot check it: ",
                                stopped.message(), " (kept in ", options_.ledger.string(), ")"));
    absl::StrAppend(&unchecked, address, " ", id, "\n");
  }
  in.close();
  if (unchecked.empty()) {
    fs::remove(options_.ledger, ec);
  } else if (absl::Status kept = server::WriteFileAtomically(options_.ledger, unchecked);
             !kept.ok()) {
    said.push_back(std::string(kept.message()));
  }
  return said;
}

int SweepCoordinators::jobs() const {
  return static_cast<int>(coordinators_.size()) * options_.max_in_flight;
}

server::SweepCellPlayer SweepCoordinators::Player() {
  return [this](int cell, const server::RunPlan& plan, const fs::path& dir,
                const std::function<void(int64_t)>& on_rounds) {
    return PlayCell(cell, plan, dir, on_rounds);
  };
}

void SweepCoordinators::Cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.store(true);
  for (GameWatch* watch : watches_) watch->Cancel();
  freed_.notify_all();
}

int SweepCoordinators::Acquire(int avoid) {
  std::unique_lock<std::mutex> lock(mutex_);
  // First come, first served: a worker that just freed a slot queues behind those waiting.
  const uint64_t ticket = next_ticket_++;
  waiting_.push_back(ticket);
  while (true) {
    if (cancelled_.load()) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
      freed_.notify_all();
      return -1;
    }
    const Clock::time_point now = Clock::now();
    int best = -1;
    Clock::time_point wake = Clock::time_point::max();
    if (std::all_of(coordinators_.begin(), coordinators_.end(),
                    [](const Coordinator& k) { return !k.unusable.empty(); })) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
      freed_.notify_all();
      return kNoneUsable;
    }
    for (int c = 0; waiting_.front() == ticket && c < static_cast<int>(coordinators_.size()); ++c) {
      const Coordinator& k = coordinators_[c];
      if (k.in_flight >= options_.max_in_flight || !k.unusable.empty()) continue;
      if (k.not_before > now) {
        wake = std::min(wake, k.not_before);
        continue;
      }
      // Least loaded; among equals, not the one the cell just failed on, then the first.
      if (best < 0 || k.in_flight < coordinators_[best].in_flight ||
          (k.in_flight == coordinators_[best].in_flight && best == avoid)) {
        best = c;
      }
    }
    if (best >= 0) {
      ++coordinators_[best].in_flight;
      waiting_.pop_front();
      freed_.notify_all();  // the next in line may find a slot too
      return best;
    }
    if (wake == Clock::time_point::max()) {
      freed_.wait(lock);
    } else {
      freed_.wait_until(lock, wake);
    }
  }
}

void SweepCoordinators::Release(int c, bool failed, std::chrono::milliseconds backoff) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Coordinator& k = coordinators_[c];
    --k.in_flight;
    if (failed) {
      const int shift = std::min(k.failures_in_a_row++, 16);
      const auto wait =
          std::min<std::chrono::milliseconds>(backoff * (1 << shift), options_.max_backoff);
      k.not_before = std::max(k.not_before, Clock::now() + wait);
    } else {
      k.failures_in_a_row = 0;
    }
  }
  freed_.notify_all();
}

absl::Status SweepCoordinators::PlayCell(int cell, const server::RunPlan& plan, const fs::path& dir,
                                         const std::function<void(int64_t)>& on_rounds) {
  absl::Status why;
  int avoid = -1;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    const int c = Acquire(avoid);
    if (c == kNoneUsable) {
      std::lock_guard<std::mutex> lock(mutex_);
      return absl::FailedPreconditionError(
          absl::StrCat("no coordinator can play it: ", coordinators_.front().unusable));
    }
    if (c < 0) return absl::CancelledError("the sweep was interrupted");
    const Outcome outcome = PlayOnce(c, cell, attempt, plan, dir, on_rounds, &why);
    const bool room = absl::IsResourceExhausted(why);
    Release(c, outcome == Outcome::kRetry,
            room ? options_.exhausted_backoff : options_.unreachable_backoff);
    if (outcome == Outcome::kDone) return absl::OkStatus();
    if (outcome == Outcome::kFail || cancelled_.load()) return why;
    avoid = c;
    if (options_.on_retry && attempt < options_.max_attempts) {
      options_.on_retry(cell, absl::StrCat(why.message(), "; playing it again (attempt ",
                                           attempt + 1, " of ", options_.max_attempts, ")"));
    }
  }
  return absl::Status(why.code(), absl::StrCat(why.message(), " (gave up after ",
                                               options_.max_attempts, " attempts)"));
}

SweepCoordinators::Outcome SweepCoordinators::PlayOnce(
    int c, int cell, int attempt, const server::RunPlan& plan, const fs::path& dir,
    const std::function<void(int64_t)>& on_rounds, absl::Status* why) {
  CoordinatorClient& client = *coordinators_[c].client;
  const std::string& address = client.address();
  v1::CreateGameRequest request;
  *request.mutable_spec() = plan.spec;
  request.mutable_spec()->set_seeds(1);
  v1::ServiceSpec* service = request.mutable_spec()->mutable_service();
  service->clear_local_seats();
  for (int seat = 0; seat < plan.game->num_players(); ++seat) service->add_local_seats(seat);
  request.set_game_id(absl::StrCat("sweep-", nonce_, "-", cell, "-", attempt));
  if (absl::Status recorded = Record(address, request.game_id()); !recorded.ok()) {
    *why = recorded;  // a game this sweep could not stop after a kill: do not start it
    return Outcome::kFail;
  }
  absl::StatusOr<v1::CreateGameResponse> created = client.CreateGame(request);
  if (!created.ok()) {
    const absl::Status& st = created.status();
    const bool retry = Unreachable(st) || absl::IsResourceExhausted(st);
    *why = absl::Status(
        st.code(),
        absl::StrCat("coordinator ", address,
                     retry ? " could not take the cell: " : " refused the cell: ", StatusText(st)));
    return retry ? Outcome::kRetry : Outcome::kFail;
  }
  const std::string& id = created->game_id();
  const std::string where = absl::StrCat("game ", id, " on coordinator ", address);
  // The coordinator has written the record's spec.yaml already: if this process cannot see it,
  // it will not see the rest either. The coordinator is of no use to the sweep.
  const fs::path from = created->record_dir();
  std::error_code ec;
  if (from.is_relative() || !fs::is_regular_file(from / "spec.yaml", ec)) {
    (void)client.StopGame(id);
    const std::string reason = absl::StrCat(
        "coordinator ", address, " writes its records to '", from.string(), "', ",
        from.is_relative() ? "a relative folder" : "a folder this sweep cannot read",
        ": start it with an absolute --records-dir on a filesystem this sweep reads at the same "
        "path");
    std::lock_guard<std::mutex> lock(mutex_);
    coordinators_[c].unusable = reason;
    *why = absl::FailedPreconditionError(reason);
    return Outcome::kRetry;
  }

  std::unique_ptr<GameWatch> watch = client.Watch(id, 0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    watches_.insert(watch.get());
    if (cancelled_.load()) watch->Cancel();
  }
  v1::GameUpdate update;
  v1::GameUpdate last;
  int64_t reported = 0;
  while (watch->Read(&update)) {
    if (update.round() > reported) {
      on_rounds(update.round() - reported);
      reported = update.round();
    }
    last = update;
  }
  const absl::Status ended = watch->Finish();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    watches_.erase(watch.get());
  }
  const bool completed = ended.ok() && last.status() == v1::GAME_STATUS_COMPLETED;
  if (cancelled_.load() && !completed) {
    (void)client.StopGame(id);  // best effort: the sweep is going away
    *why = absl::CancelledError(absl::StrCat("the sweep was interrupted (", where, " stopped)"));
    return Outcome::kFail;
  }
  if (!completed) on_rounds(-reported);  // played again (or not at all): the rounds go back
  if (!ended.ok()) {
    *why = absl::Status(ended.code(), absl::StrCat(where, " went away at round ", reported, ": ",
                                                   StatusText(ended)));
    return Unreachable(ended) ? Outcome::kRetry : Outcome::kFail;
  }
  if (!completed) {
    absl::StatusOr<v1::GameInfo> info = client.GetGame(id);
    const std::string message = info.ok() ? info->message() : "";
    *why = absl::AbortedError(
        absl::StrCat(where, " ended ", server::Av(GameStatusName(last.status())), " at round ",
                     last.round(), "/", plan.spec.rounds(), message.empty() ? "" : ": ", message));
    return last.status() == v1::GAME_STATUS_DRAINED ? Outcome::kRetry : Outcome::kFail;
  }
  on_rounds(plan.spec.rounds() - reported);

  // The record: the cell's spec.yaml as the in-process sweep writes it, then the coordinator's
  // rounds.csv and summary.json (last: it marks the cell finished).
  absl::StatusOr<server::RunRecord> record = server::RunRecord::Create(dir, plan.spec);
  *why = record.status();
  for (const char* name : {"rounds.csv", "summary.json"}) {
    if (!why->ok()) break;
    if (!fs::is_regular_file(from / name, ec)) {
      *why = absl::NotFoundError(absl::StrCat(
          where, " completed but ", (from / name).string(),
          " cannot be read here: the coordinators must write their records (--records-dir) on a "
          "filesystem this sweep reads at the same path"));
      break;
    }
    *why = CopyWhole(from / name, dir / name);
  }
  return why->ok() ? Outcome::kDone : Outcome::kFail;
}

}  // namespace nashnet::cli
