// The admission estimate (server/admission.h) against reality: a range of small and medium
// catalogue games is built as the coordinator builds them (PlanRun, HostedGame::Create; games of
// local seats played to their horizon), and the heap they hold must not exceed 1.25 × the
// estimate (admission must not let a game past that is bigger than it was priced), nor, for games
// priced over 1 MB, fall under 0.25 × it (admission must not refuse games far smaller than their
// price; small games are dominated by a fixed allowance for buffers a running game grows). The heap
// is counted by a counting allocator: this executable replaces malloc and friends (glibc supports
// that: "Replacing malloc" in its manual), forwarding to glibc's own and adding up every block's
// usable size plus its 8-byte header. Skipped under AddressSanitizer, whose allocator must stay in
// place.
#include <malloc.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "games/catalogue/registry.h"
#include "gtest/gtest.h"
#include "server/admission.h"
#include "server/record/run_file.h"
#include "server/service/hosted_game.h"
#include "server/service/record_writer.h"
#include "server/service/seat_budget.h"
#include "server/simulation.h"
#include "tests/wait_until.h"

// The counting allocator.
#if !defined(__SANITIZE_ADDRESS__)
namespace {
std::atomic<int64_t> live_bytes{0};
// A block's cost: what malloc_usable_size reports and the chunk's 8-byte size header.
inline int64_t Cost(void* p) {
  return p == nullptr ? 0 : static_cast<int64_t>(malloc_usable_size(p)) + 8;
}
}  // namespace

int64_t CountedHeapBytes() { return live_bytes.load(std::memory_order_relaxed); }

extern "C" {
void* __libc_malloc(size_t size);
void __libc_free(void* p);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);

void* malloc(size_t size) {
  void* p = __libc_malloc(size);
  live_bytes.fetch_add(Cost(p), std::memory_order_relaxed);
  return p;
}
void free(void* p) {
  live_bytes.fetch_sub(Cost(p), std::memory_order_relaxed);
  __libc_free(p);
}
void* calloc(size_t count, size_t size) {
  void* p = __libc_calloc(count, size);
  live_bytes.fetch_add(Cost(p), std::memory_order_relaxed);
  return p;
}
void* realloc(void* p, size_t size) {
  const int64_t old = Cost(p);
  void* q = __libc_realloc(p, size);
  if (q != nullptr || size == 0) live_bytes.fetch_add(Cost(q) - old, std::memory_order_relaxed);
  return q;
}
void* memalign(size_t alignment, size_t size) {
  void* p = __libc_memalign(alignment, size);
  live_bytes.fetch_add(Cost(p), std::memory_order_relaxed);
  return p;
}
void* aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }
int posix_memalign(void** out, size_t alignment, size_t size) {
  void* p = memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(size_t size) { return memalign(4096, size); }
void* pvalloc(size_t size) { return memalign(4096, (size + 4095) / 4096 * 4096); }
}
#else
int64_t CountedHeapBytes() { return 0; }
#endif

namespace nashnet::server {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Bytes the process holds from malloc (the counting allocator above).
int64_t HeapInUse() { return CountedHeapBytes(); }

// The bounds the estimate must keep: the memory a game really holds is at most 1.25 × the
// estimate, and at least a quarter of it once the estimate passes kSmall.
constexpr double kLowest = 0.25;
constexpr double kHighest = 1.25;
constexpr int64_t kSmall = 1'000'000;

struct Case {
  std::string yaml;
  bool play = false;  // every seat local: play to the horizon before measuring
};

class AdmissionEstimate : public ::testing::Test {
 protected:
  AdmissionEstimate() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {
    root_ = std::filesystem::temp_directory_path() /
            absl::StrCat("nashnet_admission_estimate_", ::getpid());
    std::filesystem::remove_all(root_);
  }
  ~AdmissionEstimate() override {
    writer_.Stop();
    work_.reset();
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // Waits until the disk thread has run everything posted so far.
  void Settle() {
    std::promise<void> done;
    writer_.Post([&] { done.set_value(); });
    done.get_future().wait();
  }

  // Builds the game of `c` as the coordinator does and returns the heap it holds.
  int64_t Measure(const Case& c, int index) {
    const int64_t before = HeapInUse();
    std::atomic<bool> over{false};
    {
      absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(c.yaml);
      EXPECT_TRUE(spec.ok()) << spec.status();
      absl::StatusOr<RunPlan> plan = PlanRun(*spec, ".");
      EXPECT_TRUE(plan.ok()) << plan.status();
      if (!plan.ok()) return 0;
      HostedGameConfig config;
      config.id = absl::StrCat("g", index);
      config.plan = *std::move(plan);
      config.record_dir = root_ / config.id;
      config.relative_record_dir = config.id;
      config.io = &io_;
      config.writer = &writer_;
      config.budget = &budget_;
      config.on_over = [&over] { over = true; };
      absl::StatusOr<std::shared_ptr<HostedGame>> game = HostedGame::Create(std::move(config));
      EXPECT_TRUE(game.ok()) << game.status();
      if (!game.ok()) return 0;
      std::shared_ptr<HostedGame> g = *game;
      boost::asio::dispatch(g->strand(), [g] { g->Begin(); });
      if (c.play) {
        EXPECT_TRUE(test::WaitUntil([&] { return over.load(); }, std::chrono::seconds(120)))
            << c.yaml;
      }
      Settle();
      const int64_t held = HeapInUse() - before;
      if (!c.play) {
        std::promise<void> stopped;
        boost::asio::dispatch(g->strand(), [g, &stopped] {
          g->Stop([&stopped](const v1::GameInfo&) { stopped.set_value(); });
        });
        stopped.get_future().wait();
      }
      Settle();
      return held;
    }
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  RecordWriter writer_;
  SeatBudget budget_{1 << 20};
  std::filesystem::path root_;
};

TEST_F(AdmissionEstimate, BoundsWhatABuiltGameAllocates) {
  if (kSanitized) GTEST_SKIP() << "AddressSanitizer's allocator is not replaced";
  const std::string local2 = "service: {local_seats: [0, 1]}\n";
  const std::vector<Case> cases = {
      {"game: prisoners_dilemma\nrounds: 1000\n", false},
      {"game: rock_paper_scissors\nrounds: 2000\n" + local2, true},
      {"game: {name: coordination, params: {actions: 300}}\nrounds: 200\n" + local2, true},
      {"game: {name: random_generic, params: {players: 2, actions: 400}}\nrounds: 100\n", false},
      {"game: {name: random_generic, params: {players: 3, actions: 30}}\nrounds: 300\n"
       "service: {local_seats: [0, 1, 2]}\n",
       true},
      {"game: {name: random_potential, params: {players: 4, actions: 12}}\nrounds: 10\n", false},
      {"game: {name: braess, params: {players: 2000}}\nrounds: 10\n", false},
      {"game: {name: pigou, params: {players: 20000}}\nrounds: 10\nfeedback: {model: bandit}\n",
       false},
      {"game: {name: parallel_links, params: {players: 300, links: 60}}\nrounds: 10\n", false},
      {"game: {name: network, params: {players: 500}}\nrounds: 10\n", false},
      {"game: {name: cournot, params: {players: 2}}\nrounds: 5000\n" + local2, true},
      {"game: {name: cournot, params: {players: 300}}\nrounds: 10\nfeedback: {model: bandit}\n",
       false},
      {"game: {name: online_bumps, params: {dimension: 2}}\nrounds: 4000\n"
       "service: {local_seats: [0]}\n",
       true},
      {"game: {name: online_drift}\nrounds: 300\nlearner: {algorithm: kernel-da, params: {grid: "
       "256}}\nservice: {local_seats: [0]}\n",
       true},
  };
  // Warm up what is built once per process (the registry, protobuf's descriptors, thread-local
  // scratch buffers) so that the first case does not pay for it.
  Measure(cases[0], 0);
  Measure(cases[1], 1);
  int index = 2;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    absl::StatusOr<v1::RunSpec> spec = ParseRunSpecYaml(c.yaml);
    ASSERT_TRUE(spec.ok()) << spec.status();
    absl::StatusOr<GameCost> cost = EstimateGameCost(*spec, {.hosted = true});
    ASSERT_TRUE(cost.ok()) << cost.status();
    const int64_t measured = Measure(c, index++);
    const double ratio = static_cast<double>(measured) / static_cast<double>(cost->total_bytes());
    std::printf(
        "%-60s estimate %10lld  measured %10lld  ratio %.2f  (game %lld, trackers %lld, "
        "seats %lld, learners %lld)\n",
        cost->label.c_str(), static_cast<long long>(cost->total_bytes()),
        static_cast<long long>(measured), ratio, static_cast<long long>(cost->game_bytes),
        static_cast<long long>(cost->tracker_bytes), static_cast<long long>(cost->seat_bytes),
        static_cast<long long>(cost->learner_bytes));
    if (cost->total_bytes() > kSmall) {
      EXPECT_GE(ratio, kLowest) << cost->label;
    }
    EXPECT_LE(ratio, kHighest) << cost->label;
  }
}

}  // namespace
}  // namespace nashnet::server
