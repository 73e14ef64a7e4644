// The report of a simulated run, rendered by headless Chromium (Debian's `chromium`): after
// layout, every chart is present and every line has a non-empty bounding box. The page's inline
// self-check (report.h) writes the counts into <body data-*>, which --dump-dom shows. Skipped,
// saying why, when chromium is not installed (scripts/install-deps.sh installs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/report/report.h"
#include "tests/report/report_test_util.h"

namespace nashnet::server {
namespace {

// The chromium executable on PATH, or "".
std::string FindChromium() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::filesystem::path candidate =
          std::filesystem::path(dirs.substr(start, end - start)) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    start = end + 1;
  }
  return "";
}

// The DOM after load, as chromium --dump-dom prints it.
std::string DumpDom(const std::string& chromium, const std::filesystem::path& html,
                    const std::filesystem::path& profile) {
  const std::string command = "timeout 120 '" + chromium +
                              "' --headless --no-sandbox --disable-gpu --no-first-run "
                              "--user-data-dir='" +
                              profile.string() + "' --dump-dom 'file://" + html.string() +
                              "' 2>/dev/null";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[1 << 14];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

// The value of <body data-NAME="...">, or -1.
// (No std::regex: GCC 12 warns inside <regex> under the sanitizer build.)
int BodyData(const std::string& dom, const std::string& name) {
  const size_t body = dom.find("<body");
  if (body == std::string::npos) return -1;
  const size_t body_end = dom.find('>', body);
  const std::string attribute = " data-" + name + "=\"";
  const size_t at = dom.find(attribute, body);
  if (at == std::string::npos || at > body_end) return -1;
  size_t digit = at + attribute.size();
  int value = 0;
  bool any = false;
  for (; digit < dom.size() && dom[digit] >= '0' && dom[digit] <= '9'; ++digit) {
    value = value * 10 + (dom[digit] - '0');
    any = true;
  }
  return any && digit < dom.size() && dom[digit] == '"' ? value : -1;
}

TEST(ReportInChromium, EveryChartAndLineIsDrawnAfterLayout) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed (apt-get install chromium, or "
                    "scripts/install-deps.sh): cannot render the report headless";
  }
  report_test::TempDir tmp;
  // Two seeds of the noisy prisoner's dilemma: the equilibrium is strict, so the distance to it
  // is defined and positive, and regret is positive.
  report_test::SimulateRecord(
      "game: prisoners_dilemma\nlearner: hedge\nfeedback: {model: noisy, sigma: 1}\n"
      "rounds: 3000\nseed: 3\nseeds: 2\n",
      tmp.path() / "run");
  const std::filesystem::path html = tmp.path() / "report.html";
  ASSERT_TRUE(WriteReport(tmp.path() / "run", html, {}, false).ok());
  const std::string page = report_test::ReadText(html);
  // 5 charts: regret, average regret, convergence, 2 strategies. 11 lines: 2 + 2 regret lines,
  // Nash gap, empirical Nash gap, distance to equilibrium, 2 + 2 action probabilities.
  ASSERT_EQ(report_test::Count(page, "<svg class=\"chart\""), 5);
  ASSERT_EQ(report_test::Count(page, "class=\"series\""), 11);

  const std::string dom = DumpDom(chromium, html, tmp.path() / "profile");
  ASSERT_NE(dom.find("<body"), std::string::npos) << "chromium printed no DOM:\n" << dom;
  EXPECT_EQ(BodyData(dom, "charts"), 5) << dom.substr(0, 2000);
  EXPECT_EQ(BodyData(dom, "drawn-charts"), 5);
  EXPECT_EQ(BodyData(dom, "drawn-series"), 11);
}

}  // namespace
}  // namespace nashnet::server
