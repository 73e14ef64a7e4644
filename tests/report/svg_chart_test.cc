// SvgChart: nice ticks, log-scale mapping and the exact pixels of a small chart.
#include "server/report/svg_chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace nashnet::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(NiceTicks, UseOneTwoFiveStepsAndSpanTheData) {
  EXPECT_THAT(NiceTicks(0.0, 1.0), ElementsAre(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0));
  EXPECT_THAT(NiceTicks(3.0, 97.0), ElementsAre(0.0, 20.0, 40.0, 60.0, 80.0, 100.0));
  EXPECT_THAT(NiceTicks(1.0, 3.0), ElementsAre(1.0, 1.5, 2.0, 2.5, 3.0));
  EXPECT_THAT(NiceTicks(-0.3, 0.7),
              ElementsAre(-0.4, -0.2, 0.0, 0.2, 0.4, 0.6000000000000001, 0.8));
  // A constant series is widened around its value.
  EXPECT_THAT(NiceTicks(0.0, 0.0), ElementsAre(-1.0, -0.5, 0.0, 0.5, 1.0));
}

TEST(LogTicks, PowersOfTenOrOneTwoFiveWhenTheRangeIsShort) {
  EXPECT_THAT(LogTicks(1.0, 1e5), ElementsAre(1.0, 10.0, 100.0, 1e3, 1e4, 1e5));
  EXPECT_THAT(LogTicks(1.0, 30.0), ElementsAre(1.0, 2.0, 5.0, 10.0, 20.0));
  EXPECT_THAT(LogTicks(3.0, 4.0), ElementsAre(3.0, 4.0));  // nothing nice inside: the ends
}

TEST(AxisMap, LogScaleMapsDecadesToEqualLengthsAndDropsNonPositive) {
  const AxisMap y(AxisScale::kLog, 1.0, 1000.0, 300.0, 0.0);
  EXPECT_DOUBLE_EQ(y(1.0), 300.0);
  EXPECT_DOUBLE_EQ(y(10.0), 200.0);
  EXPECT_DOUBLE_EQ(y(100.0), 100.0);
  EXPECT_DOUBLE_EQ(y(1000.0), 0.0);
  EXPECT_TRUE(std::isnan(y(0.0)));
  EXPECT_TRUE(std::isnan(y(-5.0)));
  EXPECT_TRUE(std::isnan(y(std::nan(""))));
  const AxisMap x(AxisScale::kLinear, -1.0, 1.0, 0.0, 100.0);
  EXPECT_DOUBLE_EQ(x(0.0), 50.0);
  EXPECT_DOUBLE_EQ(x(-3.0), -100.0);  // outside the domain maps outside (the plot clips)
}

// Default geometry: plot area x in [64, 550], y in [296, 40].
TEST(SvgChart, DrawsTheExactPolylineOfASeries) {
  SvgChart chart({.title = "t"});
  chart.AddSeries("s", {1.0, 2.0, 3.0}, {0.0, 0.5, 1.0});
  const std::string svg = chart.Render();
  EXPECT_THAT(svg, HasSubstr("<svg class=\"chart\""));
  EXPECT_THAT(svg, HasSubstr("class=\"series\" fill=\"none\" stroke=\"#1f77b4\" "
                             "d=\"M64.0,296.0L307.0,168.0L550.0,40.0\""));
}

TEST(SvgChart, BreaksLinesAtNaNAndAtNonPositiveValuesOnALogAxis) {
  SvgChart linear({});
  linear.AddSeries("s", {1.0, 2.0, 3.0}, {0.0, std::nan(""), 1.0});
  EXPECT_THAT(linear.Render(), HasSubstr("d=\"M64.0,296.0M550.0,40.0\""));
  SvgChart log({.y_scale = AxisScale::kLog});
  log.AddSeries("s", {1.0, 2.0, 3.0, 4.0}, {1.0, 0.0, 10.0, 100.0});
  // y domain [1, 100]: 10 is half-way up; x domain [1, 4] (nice ticks with step 1).
  EXPECT_THAT(log.Render(), HasSubstr("d=\"M64.0,296.0M388.0,168.0L550.0,40.0\""));
}

TEST(SvgChart, BandsAreClosedPolygonsAndReferencesAreDashed) {
  SvgChart chart({});
  const int s = chart.AddSeries("median", {0.0, 1.0}, {0.5, 0.5});
  chart.AddBand(s, {0.0, 0.0}, {1.0, 1.0}, 0.25);
  chart.AddReference("slope", {0.0, 1.0}, {0.0, 1.0});
  const std::string svg = chart.Render();
  EXPECT_THAT(svg, HasSubstr("class=\"band\" fill=\"#1f77b4\" fill-opacity=\"0.25\" "
                             "d=\"M64.0,40.0L550.0,40.0L550.0,296.0L64.0,296.0Z\""));
  EXPECT_THAT(svg, HasSubstr("class=\"reference\""));
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray"));
  EXPECT_THAT(svg, HasSubstr(">slope</text>"));  // in the legend
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(HtmlEscape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
}

}  // namespace
}  // namespace nashnet::server
