// SvgChart: one line chart as inline SVG text — axes with "nice" ticks, linear or log scales,
// series (polylines, broken at NaN / non-positive values on a log axis), shaded bands (seed
// spread), dashed reference lines and a legend. Self-contained: no script, no external font or
// style.
//
//   SvgChart chart({.title = "Regret", .x_label = "round t", .y_label = "R(t)",
//                   .x_scale = AxisScale::kLog, .y_scale = AxisScale::kLog});
//   int s = chart.AddSeries("player 0", t, regret);
//   chart.AddBand(s, p25, p75, 0.3);
//   chart.AddReference("slope 1/2", {1, 1e4}, {1, 100});
//   std::string svg = chart.Render();   // <svg class="chart" ...>...</svg>
//
// Element classes (for tests and CSS): the <svg> is "chart", series paths "series", bands "band",
// reference lines "reference". Coordinates are printed with one decimal (pixels).
//
// Thread safety: a value type; const methods may be called concurrently.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nashnet::server {

enum class AxisScale { kLinear, kLog };

// Ticks at 1, 2 or 5 × 10^k covering [lo, hi] with about `target` intervals: the first tick is
// <= lo and the last >= hi (so the axis spans them). lo == hi is widened by one unit around it.
[[nodiscard]] std::vector<double> NiceTicks(double lo, double hi, int target = 5);

// Ticks inside [lo, hi] (lo > 0) for a log axis: the powers of ten; when fewer than 3 fall inside,
// also 2× and 5× them; when still fewer than 2, the ends.
[[nodiscard]] std::vector<double> LogTicks(double lo, double hi);

// A tick label: up to 3 significant digits, exponent form for very large / small magnitudes.
[[nodiscard]] std::string TickLabel(double value);

// Maps data values in [lo, hi] to pixels in [pixel_lo, pixel_hi] (pixel_hi < pixel_lo for a y
// axis).
class AxisMap {
 public:
  AxisMap(AxisScale scale, double lo, double hi, double pixel_lo, double pixel_hi);
  // NaN when `value` is NaN or (log scale) not positive.
  [[nodiscard]] double operator()(double value) const;

 private:
  AxisScale scale_;
  double lo_, hi_, pixel_lo_, pixel_hi_;
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  AxisScale x_scale = AxisScale::kLinear;
  AxisScale y_scale = AxisScale::kLinear;
  // A line of small text under the title (e.g. "γ_t of player 0").
  std::string note;
  // Fixed y range (both finite) instead of the data's, e.g. [0, 1] for probabilities.
  double y_min = 0.0;
  double y_max = 0.0;
  bool fixed_y = false;
  // Geometry in pixels: the plot area is [left, width - right] × [top, height - bottom].
  int width = 720;
  int height = 340;
  int left = 64;
  int right = 170;  // room for the legend
  int top = 40;
  int bottom = 44;
};

class SvgChart {
 public:
  explicit SvgChart(ChartOptions options) : options_(std::move(options)) {}

  // A series; returns its index (its colour is the palette's entry at that index).
  int AddSeries(std::string name, std::vector<double> x, std::vector<double> y);
  // A shaded band between `lo` and `hi` (same x as series `series`), drawn under the lines.
  void AddBand(int series, std::vector<double> lo, std::vector<double> hi, double opacity);
  // A dashed grey line (e.g. a theory's slope), drawn over the series, listed in the legend.
  void AddReference(std::string name, std::vector<double> x, std::vector<double> y);

  [[nodiscard]] int num_series() const { return static_cast<int>(series_.size()); }
  [[nodiscard]] std::string Render() const;

 private:
  struct Line {
    std::string name;
    std::vector<double> x, y;
  };
  struct Band {
    int series;
    std::vector<double> lo, hi;
    double opacity;
  };
  ChartOptions options_;
  std::vector<Line> series_;
  std::vector<Band> bands_;
  std::vector<Line> references_;
};

// The palette colour of series `index` (cycles).
[[nodiscard]] const char* SeriesColor(int index);

// `text` with &, <, >, " escaped for HTML / SVG.
[[nodiscard]] std::string HtmlEscape(std::string_view text);

}  // namespace nashnet::server
