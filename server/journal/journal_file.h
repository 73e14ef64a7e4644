// The round journal's file format: length-prefixed, checksummed records (LevelDB's log format in
// spirit; the records are v1::JournalRecord, proto/nashnet/v1/journal.proto).
//
//   record = u32 masked CRC-32C of payload | u32 payload length | payload   (little endian)
//
// Appends are whole records. A crash can leave a torn tail (a record cut short, or garbage); the
// reader stops at the first record that is short or fails its checksum, reports the byte offset
// where the intact journal ends, and recovery truncates the file there.
//
//   std::string bytes;
//   AppendJournalRecord(record, &bytes);              // framed, ready to append to the file
//   NASHNET_ASSIGN_OR_RETURN(JournalReader reader, JournalReader::Open(path));
//   v1::JournalRecord r;
//   while (reader.Next(&r)) { ... }
//   if (reader.torn()) ... reader.valid_bytes() ...
//
// Thread safety: a JournalReader belongs to one thread; the functions are pure.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nashnet/v1/journal.pb.h"

namespace nashnet::server {

// The journal's file name inside a game's record folder.
inline constexpr char kJournalFileName[] = "journal";
// Frame header: CRC and length, 4 bytes each.
inline constexpr size_t kJournalFrameBytes = 8;
// No record is larger (a corrupt length never makes the reader allocate more).
inline constexpr uint32_t kMaxJournalRecordBytes = 64u << 20;

// Serializes `record` and appends it, framed, to `*out`.
void AppendJournalRecord(const v1::JournalRecord& record, std::string* out);
// Appends the frame of an already serialized payload.
void AppendJournalFrame(std::string_view payload, std::string* out);

class JournalReader {
 public:
  // NotFound if there is no file; Internal if it cannot be read.
  [[nodiscard]] static absl::StatusOr<JournalReader> Open(const std::filesystem::path& path);
  JournalReader(JournalReader&&) noexcept;
  JournalReader& operator=(JournalReader&&) noexcept;
  ~JournalReader();

  // The next intact record; false at the clean end of the file or at a torn tail (torn()).
  [[nodiscard]] bool Next(v1::JournalRecord* record);

  // Bytes from the start of the file to the end of the last intact record returned.
  [[nodiscard]] int64_t valid_bytes() const { return valid_bytes_; }
  // Whether reading stopped at bytes that are not an intact record (a torn tail).
  [[nodiscard]] bool torn() const { return !torn_reason_.empty(); }
  // Why (e.g. "record at byte 4096: checksum mismatch"); empty if not torn.
  [[nodiscard]] const std::string& torn_reason() const { return torn_reason_; }
  // Records returned so far.
  [[nodiscard]] int64_t records() const { return records_; }

 private:
  explicit JournalReader(std::FILE* file) : file_(file) {}
  bool Fail(std::string reason);

  std::FILE* file_ = nullptr;
  std::string payload_;
  int64_t valid_bytes_ = 0;
  int64_t records_ = 0;
  std::string torn_reason_;
  bool done_ = false;
};

}  // namespace nashnet::server
