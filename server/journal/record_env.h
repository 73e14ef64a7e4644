// RecordEnv: the file operations behind a hosted game's record (journal, rounds.csv, spec.yaml,
// summary.json, the seat secrets), behind an interface so that tests inject faults at every write
// — a full disk, a read-only folder, a crash between two writes or in the middle of one — the
// way LevelDB's Env lets its tests do.
//
//   RecordEnv* env = RecordEnv::Default();        // POSIX; process-wide, never deleted
//   NASHNET_RETURN_IF_ERROR(env->Append(dir / "journal", bytes, /*sync=*/true));
//
// No operation keeps a file open between calls: a game waiting for its agents holds no descriptor.
//
// Thread safety: Default() is safe from any thread; the coordinator calls it from its disk thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nashnet::server {

class RecordEnv {
 public:
  virtual ~RecordEnv() = default;

  // Appends `data` to `path` (created with `mode` if missing; all or an error); with `sync`, the
  // data is on disk (fdatasync) before it returns.
  [[nodiscard]] virtual absl::Status Append(const std::filesystem::path& path,
                                            std::string_view data, bool sync, int mode = 0644) = 0;
  // Replaces `path` by a file holding `text`: written as `.partial-<name>` beside it, synced,
  // renamed into place (readers see the old file or the new one, never a part).
  [[nodiscard]] virtual absl::Status WriteAtomically(const std::filesystem::path& path,
                                                     std::string_view text, int mode = 0644) = 0;
  // Cuts `path` to `size` bytes.
  [[nodiscard]] virtual absl::Status Truncate(const std::filesystem::path& path, int64_t size) = 0;
  // The whole file.
  [[nodiscard]] virtual absl::StatusOr<std::string> Read(const std::filesystem::path& path) = 0;

  // The real file system (POSIX calls).
  [[nodiscard]] static RecordEnv* Default();
};

}  // namespace nashnet::server
