// The strict run-file reader (the writer and enum names live in run_file_writer.cc).
#include "server/record/run_file.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/game_file.h"
#include "server/record/number_text.h"
#include "server/record/run_file_node.h"
#include "server/record/string_view_compat.h"

namespace nashnet::server {
namespace {

// Counts the documents of a YAML text; ignores their content.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start;  // where the last document started
};

// The number of documents in `text`. yaml-cpp 0.7 never gets past a ',' outside a flow collection
// ("{},", ","): it reads an empty document there again and again, allocating a node each time,
// and YAML::LoadAll never returns. A document that starts where the previous one did is such a
// place: InvalidArgument at it. YAML::Exception passes through.
absl::StatusOr<int> CountDocuments(const std::string& text, absl::string_view source_name) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  int documents = 0;
  int last_start = -1;
  while (parser.HandleNextDocument(counter)) {
    if (counter.start.pos <= last_start) {
      const YAML::Mark& at = counter.start;
      const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() ? text[at.pos] : ' ';
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ":", at.line + 1, ":", at.column + 1, ": YAML syntax error: unexpected ",
          c == ',' ? "',' outside a flow collection ([...] or {...})" : "content"));
    }
    last_start = counter.start.pos;
    ++documents;
  }
  return documents;
}

std::string Join(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// Walks the YAML tree of one run file, filling a RunSpec and the key locations.
class Parser {
 public:
  Parser(std::string source, RunFile* out) : source_(std::move(source)), out_(out) {}

  absl::Status ParseDocument(const YAML::Node& root) {
    if (!root.IsDefined() || root.IsNull()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": empty run file (expected a mapping of keys: game, rounds, ...)"));
    }
    if (!root.IsMap()) return Error(root, {}, "", "expected a mapping of keys (game: ..., ...)");
    v1::RunSpec* spec = &out_->spec;
    return ForEachEntry(
        root, "",
        {"name", "game", "learner", "players", "feedback", "rounds", "seed", "seeds",
         "record_every", "service"},
        [&](const std::string& key, const std::string& path, const YAML::Node& value,
            const YAML::Mark& key_mark) -> absl::Status {
          if (key == "name") return String(value, key_mark, path, spec->mutable_name());
          if (key == "game") return Game(value, key_mark, path, spec->mutable_game());
          if (key == "learner") return Learner(value, key_mark, path, spec->mutable_learner());
          if (key == "players") return Players(value, key_mark, path, spec);
          if (key == "feedback") return Feedback(value, key_mark, path, spec->mutable_feedback());
          if (key == "service") return Service(value, key_mark, path, spec);
          if (key == "seed") {
            NASHNET_ASSIGN_OR_RETURN(std::string text, Scalar(value, key_mark, path, "an integer"));
            absl::StatusOr<uint64_t> seed = ParseUint64(text);
            if (!seed.ok()) return Error(value, key_mark, path, seed.status().message());
            spec->set_seed(*seed);
            return absl::OkStatus();
          }
          int64_t min = key == "rounds" ? 1 : 0;
          int64_t max = key == "seeds" ? std::numeric_limits<int32_t>::max()
                                       : std::numeric_limits<int64_t>::max();
          NASHNET_ASSIGN_OR_RETURN(int64_t n, Integer(value, key_mark, path, min, max));
          if (key == "rounds") spec->set_rounds(n);
          if (key == "seeds") spec->set_seeds(static_cast<int32_t>(n));
          if (key == "record_every") spec->set_record_every(n);
          return absl::OkStatus();
        });
  }

 private:
  using EntryFn = std::function<absl::Status(const std::string& key, const std::string& path,
                                             const YAML::Node& value, const YAML::Mark& key_mark)>;

  // "file:line:column: path: message", at the node's position (or the key's, for an empty value).
  absl::Status Error(const YAML::Node& node, const YAML::Mark& fallback, absl::string_view path,
                     absl::string_view message) const {
    YAML::Mark mark = node.IsDefined() ? node.Mark() : fallback;
    if (mark.is_null() || mark.line < 0) mark = fallback;
    std::string where = source_;
    if (!mark.is_null() && mark.line >= 0) {
      absl::StrAppend(&where, ":", mark.line + 1, ":", mark.column + 1);
    }
    return absl::InvalidArgumentError(path.empty()
                                          ? absl::StrCat(where, ": ", message)
                                          : absl::StrCat(where, ": ", path, ": ", message));
  }

  // Calls `fn` for every entry of a mapping; unknown (when `known` is not empty), duplicate and
  // non-scalar keys are errors.
  absl::Status ForEachEntry(const YAML::Node& map, absl::string_view path,
                            const std::vector<std::string_view>& known, const EntryFn& fn) {
    std::set<std::string, std::less<>> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies, not references: yaml-cpp's iterator hands out a temporary key/value pair.
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      if (!key_node.IsScalar()) {
        return Error(key_node, map.Mark(), path, "keys must be plain names");
      }
      const std::string key = key_node.Scalar();
      const std::string key_path = Join(path, key);
      if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        return Error(key_node, map.Mark(), key_path,
                     absl::StrCat("unknown key (known: ",
                                  absl::StrJoin(
                                      known, ", ",
                                      [](std::string* out, std::string_view k) { out->append(k); }),
                                  ")"));
      }
      if (!seen.insert(key).second) return Error(key_node, map.Mark(), key_path, "duplicate key");
      // A key built in code (a sweep's cell, run_file_node.h) has no position: use its value's.
      const YAML::Mark key_mark = key_node.Mark().is_null() ? value.Mark() : key_node.Mark();
      if (!key_mark.is_null()) out_->locations[key_path] = {key_mark.line + 1, key_mark.column + 1};
      NASHNET_RETURN_IF_ERROR(fn(key, key_path, value, key_mark));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Scalar(const YAML::Node& value, const YAML::Mark& key_mark,
                                     absl::string_view path, absl::string_view expected) const {
    if (!value.IsDefined() || value.IsNull()) {
      // A null value's own position is wherever the parser stopped: point at the key instead.
      return Error(YAML::Node(YAML::NodeType::Undefined), key_mark, path,
                   absl::StrCat("expected ", expected, ", got nothing"));
    }
    if (!value.IsScalar()) {
      return Error(
          value, key_mark, path,
          absl::StrCat("expected ", expected, ", got a ", value.IsMap() ? "mapping" : "list"));
    }
    return value.Scalar();
  }

  absl::Status String(const YAML::Node& value, const YAML::Mark& key_mark, absl::string_view path,
                      std::string* out) const {
    NASHNET_ASSIGN_OR_RETURN(*out, Scalar(value, key_mark, path, "a string"));
    return absl::OkStatus();
  }

  absl::Status NonEmptyString(const YAML::Node& value, const YAML::Mark& key_mark,
                              absl::string_view path, std::string* out) const {
    NASHNET_RETURN_IF_ERROR(String(value, key_mark, path, out));
    if (out->empty()) return Error(value, key_mark, path, "must not be empty");
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Integer(const YAML::Node& value, const YAML::Mark& key_mark,
                                  absl::string_view path, int64_t min, int64_t max) const {
    NASHNET_ASSIGN_OR_RETURN(std::string text, Scalar(value, key_mark, path, "an integer"));
    absl::StatusOr<int64_t> n = ParseInt64(text);
    if (!n.ok()) return Error(value, key_mark, path, n.status().message());
    if (*n < min) return Error(value, key_mark, path, absl::StrCat("must be at least ", min));
    if (*n > max) return Error(value, key_mark, path, absl::StrCat("must be at most ", max));
    return *n;
  }

  absl::StatusOr<double> Real(const YAML::Node& value, const YAML::Mark& key_mark,
                              absl::string_view path) const {
    NASHNET_ASSIGN_OR_RETURN(std::string text, Scalar(value, key_mark, path, "a number"));
    absl::StatusOr<double> x = ParseFiniteDouble(text);
    if (!x.ok()) return Error(value, key_mark, path, x.status().message());
    return *x;
  }

  absl::Status Game(const YAML::Node& value, const YAML::Mark& key_mark, const std::string& path,
                    v1::GameSpec* game) {
    if (!value.IsMap()) return NonEmptyString(value, key_mark, path, game->mutable_name());
    NASHNET_RETURN_IF_ERROR(ForEachEntry(
        value, path, {"name", "nfg", "params"},
        [&](const std::string& key, const std::string& key_path, const YAML::Node& v,
            const YAML::Mark& mark) -> absl::Status {
          if (key == "name") return NonEmptyString(v, mark, key_path, game->mutable_name());
          if (key == "nfg") {
            NASHNET_RETURN_IF_ERROR(NonEmptyString(v, mark, key_path, game->mutable_nfg()));
            const absl::Status size =
                CheckNfgSize(static_cast<int64_t>(game->nfg().size()), key_path);
            return size.ok() ? size : Error(v, mark, "", size.message());
          }
          if (v.IsNull()) return absl::OkStatus();  // `params:` with nothing: no parameters
          if (!v.IsMap()) return Error(v, mark, key_path, "expected a mapping of name: value");
          return ForEachEntry(v, key_path, {},
                              [&](const std::string& name, const std::string& param_path,
                                  const YAML::Node& param, const YAML::Mark& param_mark) {
                                return String(param, param_mark, param_path,
                                              &(*game->mutable_params())[name]);
                              });
        }));
    if (game->name().empty()) return Error(value, key_mark, Join(path, "name"), "missing");
    return absl::OkStatus();
  }

  absl::Status Learner(const YAML::Node& value, const YAML::Mark& key_mark, const std::string& path,
                       v1::LearnerSpec* learner) {
    if (!value.IsMap()) return NonEmptyString(value, key_mark, path, learner->mutable_algorithm());
    return ForEachEntry(
        value, path, {"algorithm", "params"},
        [&](const std::string& key, const std::string& key_path, const YAML::Node& v,
            const YAML::Mark& mark) -> absl::Status {
          if (key == "algorithm") return String(v, mark, key_path, learner->mutable_algorithm());
          if (v.IsNull()) return absl::OkStatus();
          if (!v.IsMap()) return Error(v, mark, key_path, "expected a mapping of name: number");
          return ForEachEntry(
              v, key_path, {},
              [&](const std::string& name, const std::string& param_path, const YAML::Node& param,
                  const YAML::Mark& param_mark) -> absl::Status {
                NASHNET_ASSIGN_OR_RETURN(double x, Real(param, param_mark, param_path));
                (*learner->mutable_params())[name] = x;
                return absl::OkStatus();
              });
        });
  }

  absl::Status Players(const YAML::Node& value, const YAML::Mark& key_mark, const std::string& path,
                       v1::RunSpec* spec) {
    if (value.IsNull()) return absl::OkStatus();
    if (!value.IsSequence()) {
      return Error(value, key_mark, path, "expected a list of learners, one per player");
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node entry = value[i];
      const std::string entry_path = absl::StrCat(path, "[", i, "]");
      const YAML::Mark mark = entry.Mark();
      out_->locations[entry_path] = {mark.line + 1, mark.column + 1};
      v1::LearnerSpec* learner = spec->add_players();
      if (entry.IsNull()) continue;  // `- ` or `{}`: keep the common learner
      NASHNET_RETURN_IF_ERROR(Learner(entry, key_mark, entry_path, learner));
    }
    return absl::OkStatus();
  }

  absl::Status Feedback(const YAML::Node& value, const YAML::Mark& key_mark,
                        const std::string& path, v1::FeedbackSpec* feedback) {
    auto model = [&](const YAML::Node& v, const YAML::Mark& mark,
                     const std::string& model_path) -> absl::Status {
      NASHNET_ASSIGN_OR_RETURN(std::string name, Scalar(v, mark, model_path, "a feedback model"));
      absl::StatusOr<v1::FeedbackModel> m = ParseFeedbackModel(name);
      if (!m.ok()) return Error(v, mark, model_path, m.status().message());
      feedback->set_model(*m);
      return absl::OkStatus();
    };
    if (!value.IsMap()) return model(value, key_mark, path);
    return ForEachEntry(
        value, path, {"model", "noise", "sigma"},
        [&](const std::string& key, const std::string& key_path, const YAML::Node& v,
            const YAML::Mark& mark) -> absl::Status {
          if (key == "model") return model(v, mark, key_path);
          if (key == "noise") {
            NASHNET_ASSIGN_OR_RETURN(std::string name,
                                     Scalar(v, mark, key_path, "a noise distribution"));
            absl::StatusOr<v1::NoiseDistribution> noise = ParseNoiseDistribution(name);
            if (!noise.ok()) return Error(v, mark, key_path, noise.status().message());
            feedback->set_noise(*noise);
            return absl::OkStatus();
          }
          NASHNET_ASSIGN_OR_RETURN(double sigma, Real(v, mark, key_path));
          if (sigma < 0) return Error(v, mark, key_path, "must be >= 0 (a standard deviation)");
          feedback->set_sigma(sigma);
          return absl::OkStatus();
        });
  }

  // The optional `service:` block. An all-default block is the same as none (cleared), so that
  // the writer, which leaves default blocks out, round-trips every spec the parser produces.
  absl::Status Service(const YAML::Node& value, const YAML::Mark& key_mark, const std::string& path,
                       v1::RunSpec* spec) {
    if (value.IsNull()) return absl::OkStatus();
    if (!value.IsMap()) {
      return Error(value, key_mark, path,
                   "expected a mapping (round_deadline_ms, straggler, default_action, "
                   "evict_after, join_token, local_seats)");
    }
    v1::ServiceSpec service;
    constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
    NASHNET_RETURN_IF_ERROR(ForEachEntry(
        value, path,
        {"round_deadline_ms", "straggler", "default_action", "evict_after", "join_token",
         "local_seats"},
        [&](const std::string& key, const std::string& key_path, const YAML::Node& v,
            const YAML::Mark& mark) -> absl::Status {
          if (key == "join_token") return String(v, mark, key_path, service.mutable_join_token());
          if (key == "straggler") {
            NASHNET_ASSIGN_OR_RETURN(std::string name,
                                     Scalar(v, mark, key_path, "a straggler policy"));
            absl::StatusOr<v1::StragglerPolicy> policy = ParseStragglerPolicy(name);
            if (!policy.ok()) return Error(v, mark, key_path, policy.status().message());
            service.set_straggler(*policy);
            return absl::OkStatus();
          }
          if (key == "local_seats") return LocalSeats(v, mark, key_path, &service);
          const int64_t max =
              key == "round_deadline_ms" ? std::numeric_limits<int64_t>::max() : kInt32Max;
          NASHNET_ASSIGN_OR_RETURN(int64_t n, Integer(v, mark, key_path, 0, max));
          if (key == "round_deadline_ms") service.set_round_deadline_ms(n);
          if (key == "default_action") service.set_default_action(static_cast<int32_t>(n));
          if (key == "evict_after") service.set_evict_after(static_cast<int32_t>(n));
          return absl::OkStatus();
        }));
    if (service.ByteSizeLong() == 0) {
      spec->clear_service();
    } else {
      *spec->mutable_service() = std::move(service);
    }
    return absl::OkStatus();
  }

  // `local_seats: [0, 2]`: distinct seat indices (their range is checked against the game later).
  absl::Status LocalSeats(const YAML::Node& value, const YAML::Mark& key_mark,
                          const std::string& path, v1::ServiceSpec* service) {
    if (value.IsNull()) return absl::OkStatus();
    if (!value.IsSequence()) {
      return Error(value, key_mark, path, "expected a list of seat indices, e.g. [0, 2]");
    }
    std::set<int64_t> seen;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node entry = value[i];
      const std::string entry_path = absl::StrCat(path, "[", i, "]");
      const YAML::Mark mark = entry.Mark();
      out_->locations[entry_path] = {mark.line + 1, mark.column + 1};
      NASHNET_ASSIGN_OR_RETURN(int64_t seat, Integer(entry, key_mark, entry_path, 0,
                                                     std::numeric_limits<int32_t>::max()));
      if (!seen.insert(seat).second) {
        return Error(entry, key_mark, entry_path, absl::StrCat("seat ", seat, " listed twice"));
      }
      service->add_local_seats(static_cast<int32_t>(seat));
    }
    return absl::OkStatus();
  }

  std::string source_;
  RunFile* out_;
};

}  // namespace

absl::StatusOr<RunFile> ParseRunFile(std::string_view text, std::string_view source_view) {
  const std::string source_name(source_view);
  RunFile file;
  file.source_name = source_name;
  std::vector<YAML::Node> documents;
  try {
    const std::string yaml(text);
    NASHNET_ASSIGN_OR_RETURN(const int count, CountDocuments(yaml, source_name));
    if (count > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ": ", count, " YAML documents (---); a run file holds exactly one"));
    }
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    std::string where(source_name);
    if (!e.mark.is_null()) absl::StrAppend(&where, ":", e.mark.line + 1, ":", e.mark.column + 1);
    return absl::InvalidArgumentError(absl::StrCat(where, ": YAML syntax error: ", e.msg));
  }
  Parser parser(source_name, &file);
  try {
    NASHNET_RETURN_IF_ERROR(
        parser.ParseDocument(documents.empty() ? YAML::Node() : documents.front()));
  } catch (const YAML::Exception& e) {  // yaml-cpp throws on a few odd inputs; never let it out
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", e.what()));
  }
  return file;
}

absl::StatusOr<RunFile> ParseRunFileNode(const YAML::Node& root, std::string_view source_view) {
  RunFile file;
  file.source_name = std::string(source_view);
  Parser parser(file.source_name, &file);
  try {
    NASHNET_RETURN_IF_ERROR(parser.ParseDocument(root));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file.source_name, ": ", e.what()));
  }
  return file;
}

absl::StatusOr<v1::RunSpec> ParseRunSpecYaml(std::string_view text, std::string_view source_name) {
  NASHNET_ASSIGN_OR_RETURN(RunFile file, ParseRunFile(text, source_name));
  return std::move(file.spec);
}

// Room for a spec.yaml that carries the largest .nfg text inline: its writer indents every line
// (or, for text no block scalar can hold, escapes control characters as four bytes each).
constexpr uintmax_t kMaxRunFileBytes = 4 * kMaxNfgBytes + (1u << 20);

absl::StatusOr<RunFile> ReadRunFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": is a folder, not a run file"));
  }
  // Only regular files, and not huge ones: a FIFO or /dev/zero must not hang the reader.
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": not a regular file"));
  }
  if (std::filesystem::exists(path, ec) &&
      std::filesystem::file_size(path, ec) > kMaxRunFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": larger than ", kMaxRunFileBytes, " bytes; not a run file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot open the run file"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path.string(), ": read error"));
  NASHNET_ASSIGN_OR_RETURN(RunFile file, ParseRunFile(text.str(), path.string()));
  file.base_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // A game file named by the run file travels with the spec (game_file.h).
  NASHNET_RETURN_IF_ERROR(file.Annotate(EmbedGameFile(file.base_dir, file.spec.mutable_game())));
  return file;
}

}  // namespace nashnet::server
