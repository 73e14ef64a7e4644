#include "server/journal/journal_file.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crc32c.h"

namespace nashnet::server {
namespace {

void PutFixed32(uint32_t v, char* out) {
  for (int k = 0; k < 4; ++k) out[k] = static_cast<char>((v >> (8 * k)) & 0xffu);
}

uint32_t GetFixed32(const unsigned char* in) {
  return static_cast<uint32_t>(in[0]) | (static_cast<uint32_t>(in[1]) << 8) |
         (static_cast<uint32_t>(in[2]) << 16) | (static_cast<uint32_t>(in[3]) << 24);
}

}  // namespace

void AppendJournalFrame(std::string_view payload, std::string* out) {
  char header[kJournalFrameBytes];
  PutFixed32(crc32c::Mask(crc32c::Value(payload.data(), payload.size())), header);
  PutFixed32(static_cast<uint32_t>(payload.size()), header + 4);
  out->append(header, kJournalFrameBytes);
  out->append(payload.data(), payload.size());
}

void AppendJournalRecord(const v1::JournalRecord& record, std::string* out) {
  // Serialize in place behind a reserved header, then fill the header in.
  const size_t start = out->size();
  const size_t size = record.ByteSizeLong();
  out->resize(start + kJournalFrameBytes + size);
  char* payload = out->data() + start + kJournalFrameBytes;
  record.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(payload));
  PutFixed32(crc32c::Mask(crc32c::Value(payload, size)), out->data() + start);
  PutFixed32(static_cast<uint32_t>(size), out->data() + start + 4);
}

absl::StatusOr<JournalReader> JournalReader::Open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no journal at ", path.string()));
    return absl::InternalError(
        absl::StrCat("cannot open ", path.string(), ": ", std::strerror(errno)));
  }
  return JournalReader(file);
}

JournalReader::JournalReader(JournalReader&& other) noexcept { *this = std::move(other); }

JournalReader& JournalReader::operator=(JournalReader&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    payload_ = std::move(other.payload_);
    valid_bytes_ = other.valid_bytes_;
    records_ = other.records_;
    torn_reason_ = std::move(other.torn_reason_);
    done_ = other.done_;
  }
  return *this;
}

JournalReader::~JournalReader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool JournalReader::Fail(std::string reason) {
  torn_reason_ = absl::StrCat("record at byte ", valid_bytes_, ": ", reason);
  done_ = true;
  return false;
}

bool JournalReader::Next(v1::JournalRecord* record) {
  if (done_ || file_ == nullptr) return false;
  unsigned char header[kJournalFrameBytes];
  const size_t got = std::fread(header, 1, kJournalFrameBytes, file_);
  if (got == 0 && std::feof(file_)) {
    done_ = true;  // the clean end
    return false;
  }
  if (got < kJournalFrameBytes) return Fail("cut short in its header");
  const uint32_t crc = crc32c::Unmask(GetFixed32(header));
  const uint32_t size = GetFixed32(header + 4);
  if (size > kMaxJournalRecordBytes) {
    return Fail(absl::StrCat("length ", size, " exceeds ", kMaxJournalRecordBytes));
  }
  payload_.resize(size);
  if (size > 0 && std::fread(payload_.data(), 1, size, file_) < size) {
    return Fail(absl::StrCat("cut short (", size, " bytes announced)"));
  }
  if (crc32c::Value(payload_.data(), size) != crc) return Fail("checksum mismatch");
  if (!record->ParseFromString(payload_)) return Fail("not a JournalRecord");
  valid_bytes_ += static_cast<int64_t>(kJournalFrameBytes + size);
  ++records_;
  return true;
}

}  // namespace nashnet::server
