// The round journal's file format: CRC-32C, framing, and a torn tail cut at every byte.
#include "server/journal/journal_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "server/journal/journal_prefetcher.h"
#include "tests/test_files.h"

namespace nashnet::server {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValues) {
  // RFC 3720 (iSCSI) test vectors and the usual check value of "123456789".
  EXPECT_EQ(crc32c::Value("123456789", 9), 0xe3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros.data(), zeros.size()), 0x8a9136aau);
  const std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones.data(), ones.size()), 0x62a8ab43u);
  std::string ascending(32, '\0');
  for (int k = 0; k < 32; ++k) ascending[k] = static_cast<char>(k);
  EXPECT_EQ(crc32c::Value(ascending.data(), ascending.size()), 0x46dd794eu);
  // Extend continues a checksum; Mask/Unmask are inverse and Mask changes the value.
  EXPECT_EQ(crc32c::Extend(crc32c::Value("1234", 4), "56789", 5), 0xe3069283u);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(0xe3069283u)), 0xe3069283u);
  EXPECT_NE(crc32c::Mask(0xe3069283u), 0xe3069283u);
}

TEST(Crc32c, TheInstructionAndTheTablesAgreeOnEveryLengthAndAlignment) {
  std::mt19937_64 rng(7);
  std::string bytes(300, '\0');
  for (char& b : bytes) b = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t size = 0; offset + size <= bytes.size(); size += 1 + size / 8) {
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(crc32c::Extend(seed, bytes.data() + offset, size),
                crc32c::ExtendPortable(seed, bytes.data() + offset, size))
          << "offset " << offset << ", size " << size;
    }
  }
  EXPECT_EQ(crc32c::ExtendPortable(0, "123456789", 9), 0xe3069283u);
#if defined(__x86_64__)
  EXPECT_EQ(crc32c::Accelerated(), __builtin_cpu_supports("sse4.2") != 0);
#endif
}

// A header and `rounds` rounds of two seats, framed.
std::string Journal(int rounds, std::vector<size_t>* ends) {
  std::string bytes;
  v1::JournalRecord header;
  header.mutable_header()->set_format(1);
  header.mutable_header()->set_game_id("g1");
  AppendJournalRecord(header, &bytes);
  ends->push_back(bytes.size());
  for (int t = 1; t <= rounds; ++t) {
    v1::JournalRecord record;
    record.mutable_round()->set_round(t);
    for (int seat = 0; seat < 2; ++seat) {
      v1::JournalSeatPlay* play = record.mutable_round()->add_seats();
      play->mutable_action()->set_round(t);
      play->mutable_action()->set_index((t + seat) % 3);
      play->mutable_feedback()->set_payoff(0.25 * t);
    }
    AppendJournalRecord(record, &bytes);
    ends->push_back(bytes.size());
  }
  return bytes;
}

TEST(JournalFile, ReadsBackEveryRecordInOrder) {
  test::TempDir dir;
  std::vector<size_t> ends;
  test::WriteFile(dir / "journal", Journal(5, &ends));
  auto reader = JournalReader::Open(dir / "journal");
  ASSERT_TRUE(reader.ok()) << reader.status();
  v1::JournalRecord record;
  ASSERT_TRUE(reader->Next(&record));
  EXPECT_EQ(record.header().game_id(), "g1");
  for (int t = 1; t <= 5; ++t) {
    ASSERT_TRUE(reader->Next(&record));
    EXPECT_EQ(record.round().round(), t);
    EXPECT_EQ(record.round().seats(1).action().index(), (t + 1) % 3);
  }
  EXPECT_FALSE(reader->Next(&record));
  EXPECT_FALSE(reader->torn());
  EXPECT_EQ(reader->valid_bytes(), static_cast<int64_t>(ends.back()));
  EXPECT_TRUE(absl::IsNotFound(JournalReader::Open(dir / "none").status()));
}

TEST(JournalFile, ACutAtEveryByteKeepsExactlyTheWholeRecords) {
  test::TempDir dir;
  std::vector<size_t> ends;
  const std::string bytes = Journal(4, &ends);
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE(cut);
    test::WriteFile(dir / "journal", bytes.substr(0, cut));
    auto reader = JournalReader::Open(dir / "journal");
    ASSERT_TRUE(reader.ok());
    v1::JournalRecord record;
    int records = 0;
    while (reader->Next(&record)) ++records;
    // Whole records before the cut survive; a partial one is a torn tail.
    int whole = 0;
    size_t end = 0;
    for (size_t e : ends) {
      if (e <= cut) {
        ++whole;
        end = e;
      }
    }
    EXPECT_EQ(records, whole);
    EXPECT_EQ(reader->valid_bytes(), static_cast<int64_t>(end));
    EXPECT_EQ(reader->torn(), cut != end);
  }
}

TEST(JournalFile, AFlippedByteAnywhereEndsTheJournalAtTheRecordBeforeIt) {
  test::TempDir dir;
  std::vector<size_t> ends;
  const std::string bytes = Journal(3, &ends);
  for (size_t at = 0; at < bytes.size(); ++at) {
    SCOPED_TRACE(at);
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5a);
    test::WriteFile(dir / "journal", corrupt);
    auto reader = JournalReader::Open(dir / "journal");
    ASSERT_TRUE(reader.ok());
    v1::JournalRecord record;
    int records = 0;
    while (reader->Next(&record)) ++records;
    int before = 0;  // records wholly before the corrupt byte
    size_t end = 0;
    for (size_t e : ends) {
      if (e <= at) {
        ++before;
        end = e;
      }
    }
    EXPECT_EQ(records, before);
    EXPECT_EQ(reader->valid_bytes(), static_cast<int64_t>(end));
    EXPECT_TRUE(reader->torn()) << "a corrupt record must not pass";
  }
}

TEST(JournalFile, AnAbsurdLengthIsATornTailNotAnAllocation) {
  test::TempDir dir;
  std::string bytes;
  AppendJournalFrame("ok", &bytes);
  bytes += std::string("\x00\x00\x00\x00\xff\xff\xff\xff", 8);
  test::WriteFile(dir / "journal", bytes);
  auto reader = JournalReader::Open(dir / "journal");
  ASSERT_TRUE(reader.ok());
  v1::JournalRecord record;
  EXPECT_FALSE(reader->Next(&record));  // "ok" is no JournalRecord either: torn at byte 0
  EXPECT_TRUE(reader->torn());
}

// The prefetcher hands over exactly what the reader reads, in order, whatever the batch size,
// across batch edges and with a torn tail (valid_bytes the reader's).
TEST(JournalPrefetcher, YieldsTheReadersRecordsInOrderAcrossBatchesAndATornTail) {
  test::TempDir dir;
  std::vector<size_t> ends;
  std::string bytes = Journal(1000, &ends);
  bytes.resize(bytes.size() - 3);  // the last round torn
  test::WriteFile(dir / "journal", bytes);
  for (size_t batch : {size_t{1}, size_t{7}, size_t{1000}, size_t{1001}, size_t{5000}}) {
    SCOPED_TRACE(batch);
    auto reader = JournalReader::Open(dir / "journal");
    ASSERT_TRUE(reader.ok());
    JournalPrefetcher prefetch(*std::move(reader), batch, /*depth=*/3);
    const v1::JournalRecord* record = prefetch.Next();
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->header().game_id(), "g1");
    int t = 0;
    while ((record = prefetch.Next()) != nullptr) {
      ++t;
      ASSERT_EQ(record->round().round(), t);
      ASSERT_EQ(record->round().seats(1).action().index(), (t + 1) % 3);
    }
    EXPECT_EQ(t, 999);
    EXPECT_EQ(prefetch.Next(), nullptr);
    EXPECT_TRUE(prefetch.reader().torn());
    EXPECT_EQ(prefetch.reader().valid_bytes(), static_cast<int64_t>(ends[999]));
  }
}

// A replay that fails half way destroys its prefetcher with the reading thread blocked on a full
// queue: it stops and joins (the test would hang otherwise).
TEST(JournalPrefetcher, StopsWhenDestroyedBeforeTheEnd) {
  test::TempDir dir;
  std::vector<size_t> ends;
  test::WriteFile(dir / "journal", Journal(5000, &ends));
  for (int consumed : {0, 1, 10, 100}) {
    auto reader = JournalReader::Open(dir / "journal");
    ASSERT_TRUE(reader.ok());
    JournalPrefetcher prefetch(*std::move(reader), /*batch=*/8, /*depth=*/2);
    for (int k = 0; k < consumed; ++k) ASSERT_NE(prefetch.Next(), nullptr);
  }
}

}  // namespace
}  // namespace nashnet::server
