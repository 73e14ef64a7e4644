// Routing games of the catalogue, all CongestionGames whose latencies are polynomials in the
// normalised load x = k/N (k players on the edge out of N), written as comma lists of coefficients,
// lowest degree first: "0,1" is ℓ = x, "1" is ℓ = 1, "0.5,0,2" is ℓ = 0.5 + 2x², at most 5 numbers,
// all >= 0. Scaling by N keeps payoffs in a range independent of the number of players.
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/rng.h"
#include "common/status_macros.h"
#include "games/catalogue/builtin_games.h"
#include "games/catalogue/congestion_game.h"
#include "games/catalogue/params.h"

namespace nashnet::games::catalogue_internal {
namespace {

constexpr int64_t kMaxPlayers = 1'000'000;
constexpr int64_t kMaxLinks = 10'000;
constexpr uint64_t kParallelLinksStream = 0x6c696e6b73ULL;  // "links"

// A latency in x = k/N from coefficient text (parameter `name`, for errors).
absl::StatusOr<Latency> ParseLatency(std::string_view name, std::string_view text, int players) {
  NASHNET_ASSIGN_OR_RETURN(std::vector<double> a, ParseDoubleList(name, text));
  if (a.size() > Latency::kMaxDegree + 1) {
    return absl::InvalidArgumentError(absl::StrCat("parameter '", Av(name), "': '", Av(text),
                                                   "' has ", a.size(),
                                                   " coefficients (at most 5: degree <= 4)"));
  }
  for (double c : a) {
    if (c < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter '", Av(name), "': '", Av(text),
                       "' has a negative coefficient (latencies must be >= 0)"));
    }
  }
  return Latency::Normalized(a, players);
}

absl::StatusOr<std::shared_ptr<const Game>> Build(CongestionGameData data) {
  NASHNET_ASSIGN_OR_RETURN(std::shared_ptr<const CongestionGame> game,
                           CongestionGame::Create(std::move(data)));
  return std::shared_ptr<const Game>(std::move(game));
}

// The footprint of a CongestionGame of `players` players over `resources` resources and `routes`
// routes of `route_length` resources in all (congestion_game.h): latencies, the route and resource
// incidence (CSR, both ways), the shifted polynomials and route names — with the
// CongestionGameData they are built from — and the fast paths' per-thread scratch buffers.
GameFootprint CongestionFootprint(int64_t players, int64_t resources, int64_t routes,
                                  int64_t route_length, std::string label,
                                  std::vector<std::string> size_params) {
  constexpr int64_t kLatencyBytes = sizeof(Latency);
  constexpr int64_t kStringBytes = 32;  // sizeof(std::string): short names fit inside
  GameFootprint f;
  f.kind = ActionKind::kFinite;
  f.players = players;
  f.action_groups = {{routes, players}};
  f.profiles = 1;  // routes^players, saturating at kManyProfiles
  for (int64_t i = 0; i < players && routes > 1; ++i) {
    if (f.profiles > GameFootprint::kManyProfiles / routes) {
      f.profiles = GameFootprint::kManyProfiles;
      break;
    }
    f.profiles *= routes;
  }
  const int64_t game = 2 * HeapBytes(kLatencyBytes * resources) +     // latencies_, shifted_
                       2 * HeapBytes(4 * (routes + resources + 2)) +  // the CSR offsets
                       2 * HeapBytes(4 * route_length) +              // the CSR entries
                       HeapBytes(kStringBytes * routes);              // route_names_
  const int64_t data = HeapBytes(kLatencyBytes * resources) + HeapBytes(24 * routes) +
                       routes * HeapBytes(4 * route_length / std::max<int64_t>(routes, 1)) +
                       HeapBytes(kStringBytes * routes);
  const int64_t scratch = 2 * HeapBytes(4 * resources) + HeapBytes(4 * routes) +
                          4 * DoublesBytes(resources) + DoublesBytes(4 * resources) +
                          DoublesBytes(routes);
  f.game_bytes = game + data + scratch;
  // Mixed payoff vectors: the usage and cumulants of every resource for every player, then every
  // route's expectation (N·(R + routes·|route|)); pure ones: the loads, then the routes sharing a
  // resource with one's own (N·(routes + Σ deg·|route|)). A latency polynomial is ~5 operations.
  const double n = static_cast<double>(players);
  f.payoff_work = n * (5.0 * static_cast<double>(resources) +
                       2.0 * static_cast<double>(route_length) + 2.0 * static_cast<double>(routes));
  f.label = std::move(label);
  f.size_params = std::move(size_params);
  return f;
}

absl::StatusOr<std::shared_ptr<const Game>> MakePigou(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  NASHNET_ASSIGN_OR_RETURN(int64_t degree, ParseIntParam(p, "degree", 0, Latency::kMaxDegree));
  std::vector<double> variable(degree + 1, 0.0);
  variable[degree] = 1.0;
  const int n = static_cast<int>(players);
  const std::vector<double> one = {1.0};
  return Build({.name = CanonicalGameName("pigou", p),
                .num_players = n,
                .latencies = {Latency::Normalized(one, n), Latency::Normalized(variable, n)},
                .routes = {{0}, {1}},
                .route_names = {"constant", "variable"}});
}

absl::StatusOr<GameFootprint> PigouFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  NASHNET_RETURN_IF_ERROR(ParseIntParam(p, "degree", 0, Latency::kMaxDegree).status());
  return CongestionFootprint(players, 2, 2, 2, absl::StrCat("pigou with ", players, " players"),
                             {"players"});
}

absl::StatusOr<std::shared_ptr<const Game>> MakeBraess(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  const int n = static_cast<int>(players);
  NASHNET_ASSIGN_OR_RETURN(std::string_view variable_text, ParamText(p, "variable"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view constant_text, ParamText(p, "constant"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view bridge_text, ParamText(p, "bridge"));
  NASHNET_ASSIGN_OR_RETURN(Latency variable, ParseLatency("variable", variable_text, n));
  NASHNET_ASSIGN_OR_RETURN(Latency constant, ParseLatency("constant", constant_text, n));
  NASHNET_ASSIGN_OR_RETURN(Latency bridge, ParseLatency("bridge", bridge_text, n));
  // Resources: 0 = s→a, 1 = a→t, 2 = s→b, 3 = b→t, 4 = a→b (the bridge).
  return Build({.name = CanonicalGameName("braess", p),
                .num_players = n,
                .latencies = {variable, constant, constant, variable, bridge},
                .routes = {{0, 1}, {2, 3}, {0, 4, 3}},
                .route_names = {"s-a-t", "s-b-t", "s-a-b-t"}});
}

absl::StatusOr<GameFootprint> BraessFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  const int n = static_cast<int>(players);
  for (const char* name : {"variable", "constant", "bridge"}) {
    NASHNET_ASSIGN_OR_RETURN(std::string_view text, ParamText(p, name));
    NASHNET_RETURN_IF_ERROR(ParseLatency(name, text, n).status());
  }
  return CongestionFootprint(players, 5, 3, 7, absl::StrCat("braess with ", players, " players"),
                             {"players"});
}

absl::StatusOr<std::shared_ptr<const Game>> MakeParallelLinks(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  NASHNET_ASSIGN_OR_RETURN(int64_t links, ParseIntParam(p, "links", 1, kMaxLinks));
  NASHNET_ASSIGN_OR_RETURN(int64_t seed, ParseIntParam(p, "seed", 0, INT64_MAX));
  NASHNET_ASSIGN_OR_RETURN(std::string_view family, ParamText(p, "latency"));
  const int n = static_cast<int>(players);
  CongestionGameData data;
  data.name = CanonicalGameName("parallel_links", p);
  data.num_players = n;
  if (family == "affine" || family == "linear" || family == "quadratic") {
    Rng rng = Rng::Stream(static_cast<uint64_t>(seed), kParallelLinksStream);
    for (int64_t e = 0; e < links; ++e) {
      const double a = rng.Uniform();
      const double b = rng.Uniform(0.5, 1.5);
      std::vector<double> coefficients = {family == "linear" ? 0.0 : a, 0.0, 0.0};
      coefficients[family == "quadratic" ? 2 : 1] = b;
      data.latencies.push_back(Latency::Normalized(coefficients, n));
    }
  } else {
    const std::vector<absl::string_view> items = absl::StrSplit(Av(family), ';');
    if (static_cast<int64_t>(items.size()) != links) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter 'latency': '", Av(family), "' is neither affine, linear nor quadratic, nor ",
          links, " ';'-separated coefficient lists (one per link; 'links' is ", links, ")"));
    }
    for (absl::string_view item : items) {
      NASHNET_ASSIGN_OR_RETURN(Latency latency, ParseLatency("latency", Sv(item), n));
      data.latencies.push_back(latency);
    }
  }
  for (int e = 0; e < static_cast<int>(links); ++e) {
    data.routes.push_back({e});
    data.route_names.push_back(absl::StrCat("link", e));
  }
  return Build(std::move(data));
}

absl::StatusOr<GameFootprint> ParallelLinksFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  NASHNET_ASSIGN_OR_RETURN(int64_t links, ParseIntParam(p, "links", 1, kMaxLinks));
  NASHNET_RETURN_IF_ERROR(ParseIntParam(p, "seed", 0, INT64_MAX).status());
  NASHNET_ASSIGN_OR_RETURN(std::string_view family, ParamText(p, "latency"));
  if (family != "affine" && family != "linear" && family != "quadratic") {
    const std::vector<absl::string_view> items = absl::StrSplit(Av(family), ';');
    if (static_cast<int64_t>(items.size()) != links) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter 'latency': '", Av(family), "' is neither affine, linear nor quadratic, nor ",
          links, " ';'-separated coefficient lists (one per link; 'links' is ", links, ")"));
    }
    for (absl::string_view item : items) {
      NASHNET_RETURN_IF_ERROR(
          ParseLatency("latency", Sv(item), static_cast<int>(players)).status());
    }
  }
  GameFootprint f = CongestionFootprint(
      players, links, links, links,
      absl::StrCat("parallel_links with ", players, " players and ", links, " links"),
      links > 1 ? std::vector<std::string>{"players", "links"}
                : std::vector<std::string>{"players"});
  return f;
}

constexpr int kMaxRoutes = 10'000;
constexpr int kMaxEdges = 10'000;

// Directed edges "from>to:coefficients" separated by ';' (white space around items ignored).
struct Edge {
  std::string from, to;
  Latency latency;
};

absl::StatusOr<std::vector<Edge>> ParseEdges(std::string_view text, int players) {
  std::vector<Edge> edges;
  int item_index = 0;
  for (absl::string_view raw : absl::StrSplit(Av(text), ';')) {
    ++item_index;
    const absl::string_view item = absl::StripAsciiWhitespace(raw);
    if (item.empty()) continue;
    const std::vector<absl::string_view> parts = absl::StrSplit(item, absl::MaxSplits(':', 1));
    const std::vector<absl::string_view> ends =
        parts.size() == 2 ? absl::StrSplit(parts[0], '>') : std::vector<absl::string_view>{};
    if (ends.size() != 2 || absl::StripAsciiWhitespace(ends[0]).empty() ||
        absl::StripAsciiWhitespace(ends[1]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("parameter 'edges': item ", item_index, " '",
                                                     item, "' is not from>to:coefficients"));
    }
    NASHNET_ASSIGN_OR_RETURN(Latency latency, ParseLatency("edges", Sv(parts[1]), players));
    edges.push_back({std::string(absl::StripAsciiWhitespace(ends[0])),
                     std::string(absl::StripAsciiWhitespace(ends[1])), latency});
    if (edges.size() > kMaxEdges) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter 'edges': more than ", kMaxEdges, " edges"));
    }
  }
  if (edges.empty()) return absl::InvalidArgumentError("parameter 'edges': no edges");
  return edges;
}

// Every simple directed path from `source` to `sink` (as edge indices), by depth-first search in
// edge order. Nodes that cannot reach the sink are pruned first (a reverse breadth-first search),
// and the search gives up after kMaxSearchSteps calls: a dense graph has ~k! simple paths.
class PathEnumerator {
 public:
  static constexpr int64_t kMaxSearchSteps = 1'000'000;

  // `store`: keep the routes (routes()); otherwise only count them (num_routes(), length()).
  PathEnumerator(const std::vector<Edge>& edges, std::string_view sink, bool store = true)
      : store_(store), sink_(NodeId(sink)) {
    for (const Edge& edge : edges) {
      tails_.push_back(NodeId(edge.from));
      heads_.push_back(NodeId(edge.to));
    }
    const int num_nodes = static_cast<int>(ids_.size());
    out_.resize(num_nodes);
    std::vector<std::vector<int>> in(num_nodes);
    for (int e = 0; e < static_cast<int>(edges.size()); ++e) {
      out_[tails_[e]].push_back(e);
      in[heads_[e]].push_back(e);
    }
    reaches_sink_.assign(num_nodes, false);
    reaches_sink_[sink_] = true;
    std::vector<int> queue = {sink_};
    for (size_t next = 0; next < queue.size(); ++next) {
      for (int e : in[queue[next]]) {
        if (!reaches_sink_[tails_[e]]) {
          reaches_sink_[tails_[e]] = true;
          queue.push_back(tails_[e]);
        }
      }
    }
    on_path_.assign(num_nodes, false);
  }

  absl::Status From(std::string_view source) {
    const auto it = ids_.find(std::string(source));
    if (it == ids_.end()) return absl::OkStatus();  // the source has no edges: no route
    return reaches_sink_[it->second] ? Search(it->second) : absl::OkStatus();
  }

  std::vector<std::vector<int>>& routes() { return routes_; }
  [[nodiscard]] int64_t num_routes() const { return num_routes_; }
  // The routes' lengths added up (edges, counted with repetition).
  [[nodiscard]] int64_t length() const { return length_; }

 private:
  int NodeId(std::string_view name) {
    return ids_.emplace(std::string(name), static_cast<int>(ids_.size())).first->second;
  }

  // Extends path_ (which ends at `node`, a node that can reach the sink) in every simple way.
  absl::Status Search(int node) {
    if (++steps_ > kMaxSearchSteps) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter 'edges': too many paths to enumerate (more than ",
                       kMaxSearchSteps, " search steps; use a sparser graph)"));
    }
    if (node == sink_) {
      if (num_routes_ >= kMaxRoutes) {
        return absl::InvalidArgumentError(absl::StrCat("parameter 'edges': more than ", kMaxRoutes,
                                                       " routes from source to sink"));
      }
      ++num_routes_;
      length_ += static_cast<int64_t>(path_.size());
      if (store_) routes_.push_back(path_);
      return absl::OkStatus();
    }
    on_path_[node] = true;
    for (int e : out_[node]) {
      const int head = heads_[e];
      if (on_path_[head] || !reaches_sink_[head]) continue;
      path_.push_back(e);
      NASHNET_RETURN_IF_ERROR(Search(head));
      path_.pop_back();
    }
    on_path_[node] = false;
    return absl::OkStatus();
  }

  const bool store_;
  std::unordered_map<std::string, int> ids_;  // node name → id, in order of first appearance
  int sink_;                                  // the sink's node id
  std::vector<int> tails_, heads_;            // edge e goes from node tails_[e] to node heads_[e]
  std::vector<std::vector<int>> out_;         // node → its outgoing edges, in edge order
  std::vector<bool> reaches_sink_;            // some directed path leads from the node to the sink
  std::vector<bool> on_path_;                 // the node is on the current partial path
  int64_t steps_ = 0;                         // calls of Search so far
  std::vector<int> path_;
  std::vector<std::vector<int>> routes_;
  int64_t num_routes_ = 0;
  int64_t length_ = 0;
};

absl::StatusOr<std::shared_ptr<const Game>> MakeNetwork(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  const int n = static_cast<int>(players);
  NASHNET_ASSIGN_OR_RETURN(std::string_view edges_text, ParamText(p, "edges"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view source, ParamText(p, "source"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view sink, ParamText(p, "sink"));
  NASHNET_ASSIGN_OR_RETURN(std::vector<Edge> edges, ParseEdges(edges_text, n));
  if (source == sink) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameters 'source' and 'sink' are the same node '", Av(source), "'"));
  }
  PathEnumerator paths(edges, sink);
  NASHNET_RETURN_IF_ERROR(paths.From(source));
  if (paths.routes().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("parameter 'edges': no path from source '",
                                                   Av(source), "' to sink '", Av(sink), "'"));
  }
  CongestionGameData data;
  data.name = CanonicalGameName("network", p);
  data.num_players = n;
  for (const Edge& edge : edges) data.latencies.push_back(edge.latency);
  for (const std::vector<int>& route : paths.routes()) {
    std::string name = edges[route[0]].from;
    for (int e : route) absl::StrAppend(&name, "-", edges[e].to);
    data.route_names.push_back(std::move(name));
  }
  data.routes = std::move(paths.routes());
  return Build(std::move(data));
}

// Counts the routes (PathEnumerator without storing them: at most kMaxSearchSteps steps).
absl::StatusOr<GameFootprint> NetworkFootprint(const GameParams& p) {
  NASHNET_ASSIGN_OR_RETURN(int64_t players, ParseIntParam(p, "players", 1, kMaxPlayers));
  const int n = static_cast<int>(players);
  NASHNET_ASSIGN_OR_RETURN(std::string_view edges_text, ParamText(p, "edges"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view source, ParamText(p, "source"));
  NASHNET_ASSIGN_OR_RETURN(std::string_view sink, ParamText(p, "sink"));
  NASHNET_ASSIGN_OR_RETURN(std::vector<Edge> edges, ParseEdges(edges_text, n));
  if (source == sink) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameters 'source' and 'sink' are the same node '", Av(source), "'"));
  }
  PathEnumerator paths(edges, sink, /*store=*/false);
  NASHNET_RETURN_IF_ERROR(paths.From(source));
  if (paths.num_routes() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("parameter 'edges': no path from source '",
                                                   Av(source), "' to sink '", Av(sink), "'"));
  }
  const int64_t routes = paths.num_routes();
  GameFootprint f = CongestionFootprint(
      players, static_cast<int64_t>(edges.size()), routes, paths.length(),
      absl::StrCat("network with ", players, " players and ", routes, " routes"),
      routes > 1 ? std::vector<std::string>{"players", "edges"}
                 : std::vector<std::string>{"players"});
  // Route names ("s-a-b-t") longer than std::string's inline buffer live on the heap.
  const int64_t average_name = 2 * paths.length() / routes + 1;
  if (average_name > 15) f.game_bytes += 2 * routes * HeapBytes(average_name + 1);
  return f;
}

}  // namespace

void RegisterRoutingGames(GameRegistry* registry) {
  AddBuiltin(registry,
             {.name = "pigou",
              .description = "Pigou's network: N players choose between two links, latency 1 and "
                             "latency x^degree with x = k/N the link's load share; payoff = "
                             "-latency",
              .params = {{"players", "10", "number of players N (1..10^6)"},
                         {"degree", "1", "degree of the variable link's latency (0..4)"}},
              .make = MakePigou,
              .footprint = PigouFootprint});
  AddBuiltin(
      registry,
      {.name = "braess",
       .description = "Braess's network s->a->t, s->b->t, s->a->b->t: edges s->a and b->t have "
                      "latency 'variable', a->t and s->b 'constant', a->b 'bridge'; each a comma "
                      "list of coefficients of a polynomial in x = k/N, lowest degree first (<= 5 "
                      "numbers, >= 0); payoff = -(route latency)",
       .params = {{"players", "10", "number of players N (1..10^6)"},
                  {"variable", "0,1", "latency of s->a and b->t (default x)"},
                  {"constant", "1", "latency of a->t and s->b (default 1)"},
                  {"bridge", "0", "latency of the bridge a->b (default 0)"}},
       .make = MakeBraess,
       .footprint = BraessFootprint});
  AddBuiltin(
      registry,
      {.name = "parallel_links",
       .description = "N players choose one of L parallel links; latency 'affine' (a + b x), "
                      "'linear' (b x) or 'quadratic' (a + b x^2) with a ~ U[0,1), b ~ U[0.5,1.5) "
                      "seeded, or explicit: L ';'-separated coefficient lists in x = k/N (e.g. "
                      "'0,1;1;0.5,0.5'); payoff = -latency",
       .params = {{"players", "10", "number of players N (1..10^6)"},
                  {"links", "3", "number of links L (1..10^4)"},
                  {"latency", "affine", "affine | linear | quadratic | explicit coefficient lists"},
                  {"seed", "0", "RNG seed of the random latency coefficients"}},
       .make = MakeParallelLinks,
       .footprint = ParallelLinksFootprint});
  AddBuiltin(
      registry,
      {.name = "network",
       .description = "routing on a user-given directed graph: 'edges' lists from>to:coefficients "
                      "items separated by ';' (coefficients of the edge latency in x = k/N, as "
                      "above); every simple source->sink path is a route; payoff = -(route "
                      "latency)",
       .params = {{"players", "10", "number of players N (1..10^6)"},
                  {"edges", "s>a:0,1; a>t:1; s>b:1; b>t:0,1; a>b:0",
                   "the directed edges with their latencies (default: Braess's network)"},
                  {"source", "s", "the origin node"},
                  {"sink", "t", "the destination node"}},
       .make = MakeNetwork,
       .footprint = NetworkFootprint});
}

}  // namespace nashnet::games::catalogue_internal
