// CRC-32C (Castagnoli), the checksum of the round journal's records (as in LevelDB's log format).
//
//   uint32_t crc = crc32c::Value(data, size);
//   uint32_t stored = crc32c::Mask(crc);          // what goes into a file
//   bool intact = crc32c::Unmask(stored) == crc32c::Value(data, size);
//
// Masking (LevelDB's): a CRC stored next to the data it covers is rotated and offset, so that the
// CRC of a string that itself contains CRCs stays well distributed.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nashnet::crc32c {

// The CRC-32C of `data[0, size)` continuing from `crc` (0 for a fresh checksum).
// Uses the CPU's crc32 instruction where it has one (SSE4.2), slicing-by-8 tables elsewhere.
[[nodiscard]] uint32_t Extend(uint32_t crc, const void* data, size_t size);
// The table-driven computation alone (what Extend falls back to; tests compare the two).
[[nodiscard]] uint32_t ExtendPortable(uint32_t crc, const void* data, size_t size);
// Extend runs on the CPU's instruction.
[[nodiscard]] bool Accelerated();

[[nodiscard]] inline uint32_t Value(const void* data, size_t size) { return Extend(0, data, size); }

inline constexpr uint32_t kMaskDelta = 0xa282ead8u;

[[nodiscard]] inline uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

[[nodiscard]] inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace nashnet::crc32c
