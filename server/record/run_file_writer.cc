// The canonical run-file writer, enum names and the helpers of RunFile.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/record/number_text.h"
#include "server/record/run_file.h"
#include "server/record/string_view_compat.h"

namespace nashnet::server {
namespace {

// A double-quoted YAML string: quotes, backslashes and control characters escaped.
void AppendQuoted(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out->append(escaped);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// Whether a literal block scalar (`|`) reads back as exactly `text`: YAML turns CR LF into LF,
// yaml-cpp stops at NUL, and a text of line breaks only would lose its last one.
bool FitsBlockScalar(std::string_view text) {
  return text.find_first_of(std::string_view("\r\0", 2)) == std::string_view::npos &&
         text.find_first_not_of('\n') != std::string_view::npos;
}

// `text` as the value of a key at `indent` spaces: a literal block scalar, byte for byte (the
// explicit indentation indicator keeps leading spaces; the chomping indicator the trailing line
// breaks: `-` none, clip one, `+` several); else (CR, NUL) a double-quoted string.
void AppendTextValue(std::string_view text, int indent, std::string* out) {
  if (!FitsBlockScalar(text)) {
    out->push_back(' ');
    AppendQuoted(text, out);
    out->push_back('\n');
    return;
  }
  const std::size_t last = text.find_last_not_of('\n');
  const std::size_t breaks = text.size() - 1 - last;
  absl::StrAppend(out, " |2", breaks == 0 ? "-" : (breaks == 1 ? "" : "+"), "\n");
  const std::string margin(indent + 2, ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) absl::StrAppend(out, margin, Av(text.substr(start, end - start)));
    out->push_back('\n');
    start = end + 1;
  }
}

// YAML limits an implicit key to 1024 characters (yaml-cpp counts the quotes).
constexpr size_t kMaxImplicitKey = 1024;

// `indent"key": ` — or, for a key too long to be implicit, the explicit `indent? "key"` and
// `indent: ` on the next line.
void AppendKey(std::string_view key, std::string_view indent, std::string* out) {
  absl::StrAppend(out, Av(indent));
  const size_t quoted = out->size();
  AppendQuoted(key, out);
  if (out->size() - quoted <= kMaxImplicitKey) {
    out->append(": ");
    return;
  }
  out->insert(quoted, "? ");
  absl::StrAppend(out, "\n", Av(indent), ": ");
}

template <typename Map>
std::vector<std::string> SortedKeys(const Map& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// `params:` of a learner at `indent` spaces.
void AppendLearnerParams(const v1::LearnerSpec& learner, std::string_view indent,
                         std::string* out) {
  absl::StrAppend(out, Av(indent), "params:");
  if (learner.params().empty()) {
    out->append(" {}\n");
    return;
  }
  out->push_back('\n');
  const std::string key_indent = absl::StrCat(Av(indent), "  ");
  for (const std::string& key : SortedKeys(learner.params())) {
    AppendKey(key, key_indent, out);
    AppendDouble(learner.params().at(key), out);
    out->push_back('\n');
  }
}

struct EnumName {
  int value;
  std::string_view name;
};
constexpr EnumName kFeedbackModels[] = {{v1::FEEDBACK_MODEL_FULL, "full"},
                                        {v1::FEEDBACK_MODEL_NOISY, "noisy"},
                                        {v1::FEEDBACK_MODEL_COUNTERFACTUAL, "counterfactual"},
                                        {v1::FEEDBACK_MODEL_BANDIT, "bandit"}};
constexpr EnumName kNoiseDistributions[] = {{v1::NOISE_DISTRIBUTION_GAUSSIAN, "gaussian"},
                                            {v1::NOISE_DISTRIBUTION_UNIFORM, "uniform"}};
constexpr EnumName kStragglerPolicies[] = {{v1::STRAGGLER_POLICY_WAIT, "wait"},
                                           {v1::STRAGGLER_POLICY_REPEAT_LAST, "repeat_last"},
                                           {v1::STRAGGLER_POLICY_DEFAULT_ACTION, "default_action"}};
constexpr std::string_view kDefaultName = "default";  // the UNSPECIFIED value of every enum

template <std::size_t N>
absl::StatusOr<int> ParseEnum(std::string_view name, const EnumName (&names)[N],
                              std::string_view what) {
  if (name == kDefaultName) return 0;
  std::string known;
  for (const EnumName& entry : names) {
    if (entry.name == name) return entry.value;
    absl::StrAppend(&known, known.empty() ? "" : ", ", Av(entry.name));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", Av(what), " '", Av(name), "' (known: ", known, ")"));
}

template <std::size_t N>
std::string_view EnumToName(int value, const EnumName (&names)[N]) {
  for (const EnumName& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return kDefaultName;
}

}  // namespace

std::string WriteRunSpecYaml(const v1::RunSpec& spec) {
  std::string out = "# nashnet run spec (canonical form; a run file for `nashnet simulate`)\n";
  const v1::FeedbackSpec& feedback = spec.feedback();
  absl::StrAppend(&out, "feedback:\n  model: ", Av(FeedbackModelName(feedback.model())),
                  "\n  noise: ", Av(NoiseDistributionName(feedback.noise())), "\n  sigma: ");
  AppendDouble(feedback.sigma(), &out);
  out.append("\ngame:\n  name: ");
  AppendQuoted(spec.game().name(), &out);
  out.push_back('\n');
  // The game's .nfg text when it carries one, so that the record alone reproduces the run.
  if (!spec.game().nfg().empty()) {
    out.append("  nfg:");
    AppendTextValue(spec.game().nfg(), 2, &out);
  }
  out.append("  params:");
  if (spec.game().params().empty()) {
    out.append(" {}\n");
  } else {
    out.push_back('\n');
    for (const std::string& key : SortedKeys(spec.game().params())) {
      AppendKey(key, "    ", &out);
      AppendQuoted(spec.game().params().at(key), &out);
      out.push_back('\n');
    }
  }
  out.append("learner:\n  algorithm: ");
  AppendQuoted(spec.learner().algorithm(), &out);
  out.push_back('\n');
  AppendLearnerParams(spec.learner(), "  ", &out);
  out.append("name: ");
  AppendQuoted(spec.name(), &out);
  out.append("\nplayers:");
  if (spec.players().empty()) {
    out.append(" []\n");
  } else {
    out.push_back('\n');
    for (const v1::LearnerSpec& player : spec.players()) {
      out.append("  - algorithm: ");
      AppendQuoted(player.algorithm(), &out);
      out.push_back('\n');
      AppendLearnerParams(player, "    ", &out);
    }
  }
  absl::StrAppend(&out, "record_every: ", spec.record_every(), "\nrounds: ", spec.rounds(),
                  "\nseed: ", spec.seed(), "\nseeds: ", spec.seeds(), "\n");
  // The service block only when it says something: simulate ignores it, and records of runs
  // without one keep the text they had before the networked service existed.
  // Unknown fields (a newer client's) are not what the block says: they do not count.
  v1::ServiceSpec service = spec.service();
  service.DiscardUnknownFields();
  if (service.ByteSizeLong() != 0) {
    absl::StrAppend(&out, "service:\n  default_action: ", service.default_action(),
                    "\n  evict_after: ", service.evict_after(), "\n  join_token: ");
    AppendQuoted(service.join_token(), &out);
    out.append("\n  local_seats: [");
    for (int i = 0; i < service.local_seats_size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : ", ", service.local_seats(i));
    }
    absl::StrAppend(&out, "]\n  round_deadline_ms: ", service.round_deadline_ms(),
                    "\n  straggler: ", Av(StragglerPolicyName(service.straggler())), "\n");
  }
  return out;
}

absl::StatusOr<v1::FeedbackModel> ParseFeedbackModel(std::string_view name) {
  absl::StatusOr<int> value = ParseEnum(name, kFeedbackModels, "model");
  if (!value.ok()) return value.status();
  return static_cast<v1::FeedbackModel>(*value);
}

std::string_view FeedbackModelName(v1::FeedbackModel model) {
  return EnumToName(model, kFeedbackModels);
}

absl::StatusOr<v1::NoiseDistribution> ParseNoiseDistribution(std::string_view name) {
  absl::StatusOr<int> value = ParseEnum(name, kNoiseDistributions, "noise distribution");
  if (!value.ok()) return value.status();
  return static_cast<v1::NoiseDistribution>(*value);
}

std::string_view NoiseDistributionName(v1::NoiseDistribution noise) {
  return EnumToName(noise, kNoiseDistributions);
}

absl::StatusOr<v1::StragglerPolicy> ParseStragglerPolicy(std::string_view name) {
  absl::StatusOr<int> value = ParseEnum(name, kStragglerPolicies, "straggler policy");
  if (!value.ok()) return value.status();
  return static_cast<v1::StragglerPolicy>(*value);
}

std::string_view StragglerPolicyName(v1::StragglerPolicy policy) {
  return EnumToName(policy, kStragglerPolicies);
}

std::string RunFile::Where(std::string_view path) const {
  std::string key(path);
  while (!key.empty()) {
    if (auto it = locations.find(key); it != locations.end()) {
      return absl::StrCat(source_name, ":", it->second.first, ":", it->second.second, ": ");
    }
    // "game.nfg:3:14" (a position inside the field's own text) → "game.nfg" → "game".
    const std::size_t cut = key.find_last_of(".[:");
    if (cut == std::string::npos) break;
    key.resize(cut);
  }
  return "";
}

void RunFile::ForgetLocations(std::string_view path) {
  for (auto it = locations.begin(); it != locations.end();) {
    const std::string& key = it->first;
    const bool under =
        absl::StartsWith(key, Av(path)) &&
        (key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[');
    it = under ? locations.erase(it) : std::next(it);
  }
}

absl::Status RunFile::Annotate(const absl::Status& status) const {
  if (status.ok()) return status;
  const std::string_view message = Sv(status.message());
  const std::size_t colon = message.find(": ");
  if (colon == std::string_view::npos || colon == 0) return status;
  const std::string_view path = message.substr(0, colon);
  if (path.find_first_of(" \t") != std::string_view::npos) return status;
  const std::string where = Where(path);
  if (where.empty()) return status;
  return absl::Status(status.code(), absl::StrCat(where, Av(message)));
}

}  // namespace nashnet::server
