#include "server/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nashnet::server {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kLegendRow = 16;  // pixels per legend entry

std::string Px(double v) { return absl::StrFormat("%.1f", v); }

bool Usable(AxisScale scale, double v) {
  return std::isfinite(v) && (scale == AxisScale::kLinear || v > 0.0);
}

// [lo, hi] of the usable values in `values` (lo > hi when there are none).
void Extend(AxisScale scale, const std::vector<double>& values, double* lo, double* hi) {
  for (double v : values) {
    if (!Usable(scale, v)) continue;
    *lo = std::min(*lo, v);
    *hi = std::max(*hi, v);
  }
}

struct Domain {
  double lo = 0.0, hi = 1.0;
  std::vector<double> ticks;
};

Domain MakeDomain(AxisScale scale, double lo, double hi) {
  Domain d;
  if (scale == AxisScale::kLog) {
    if (!(lo <= hi)) lo = 1.0, hi = 10.0;
    if (lo == hi) lo /= 2.0, hi *= 2.0;
    d.lo = lo;
    d.hi = hi;
    d.ticks = LogTicks(lo, hi);
    return d;
  }
  if (!(lo <= hi)) lo = 0.0, hi = 1.0;
  d.ticks = NiceTicks(lo, hi);
  d.lo = d.ticks.front();
  d.hi = d.ticks.back();
  return d;
}

// "M x,y L x,y ..." through the mappable points, a new "M" after every gap.
std::string PathData(const AxisMap& mx, const AxisMap& my, const std::vector<double>& x,
                     const std::vector<double>& y) {
  std::string d;
  bool pen_down = false;
  const size_t n = std::min(x.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    const double px = mx(x[i]);
    const double py = my(y[i]);
    if (std::isnan(px) || std::isnan(py)) {
      pen_down = false;
      continue;
    }
    absl::StrAppend(&d, pen_down ? "L" : "M", Px(px), ",", Px(py));
    pen_down = true;
  }
  return d;
}

// Closed polygons between lo and hi over each run of mappable points.
std::string BandData(const AxisMap& mx, const AxisMap& my, const std::vector<double>& x,
                     const std::vector<double>& lo, const std::vector<double>& hi) {
  std::string d;
  const size_t n = std::min({x.size(), lo.size(), hi.size()});
  size_t i = 0;
  while (i < n) {
    auto ok = [&](size_t k) {
      return !std::isnan(mx(x[k])) && !std::isnan(my(lo[k])) && !std::isnan(my(hi[k]));
    };
    if (!ok(i)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && ok(j)) ++j;
    for (size_t k = i; k < j; ++k) {
      absl::StrAppend(&d, k == i ? "M" : "L", Px(mx(x[k])), ",", Px(my(hi[k])));
    }
    for (size_t k = j; k-- > i;) absl::StrAppend(&d, "L", Px(mx(x[k])), ",", Px(my(lo[k])));
    absl::StrAppend(&d, "Z");
    i = j;
  }
  return d;
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(std::isfinite(lo) && std::isfinite(hi))) return {0.0, 1.0};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double u = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= u;
    hi += u;
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double step = (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
  const double k0 = std::floor(lo / step + 1e-9);
  const double k1 = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = k0; k <= k1; k += 1.0) ticks.push_back(k * step == 0.0 ? 0.0 : k * step);
  return ticks;
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> ticks;
  const double eps = 1e-9;
  auto inside = [&](double v) { return v >= lo * (1 - eps) && v <= hi * (1 + eps); };
  const int e0 = static_cast<int>(std::floor(std::log10(lo)));
  const int e1 = static_cast<int>(std::ceil(std::log10(hi)));
  for (int e = e0; e <= e1; ++e) {
    if (inside(std::pow(10.0, e))) ticks.push_back(std::pow(10.0, e));
  }
  if (ticks.size() < 3) {
    ticks.clear();
    for (int e = e0; e <= e1; ++e) {
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (inside(v)) ticks.push_back(v);
      }
    }
  }
  if (ticks.size() < 2) ticks = {lo, hi};
  return ticks;
}

std::string TickLabel(double value) {
  if (value == 0.0) return "0";
  const double a = std::abs(value);
  if (a >= 1e5 || a < 1e-3) return absl::StrFormat("%.3g", value);
  return absl::StrFormat("%.3g", value);
}

AxisMap::AxisMap(AxisScale scale, double lo, double hi, double pixel_lo, double pixel_hi)
    : scale_(scale), lo_(lo), hi_(hi), pixel_lo_(pixel_lo), pixel_hi_(pixel_hi) {
  if (scale_ == AxisScale::kLog) {
    lo_ = std::log10(lo);
    hi_ = std::log10(hi);
  }
}

double AxisMap::operator()(double value) const {
  if (!Usable(scale_, value)) return kNaN;
  const double v = scale_ == AxisScale::kLog ? std::log10(value) : value;
  if (hi_ == lo_) return (pixel_lo_ + pixel_hi_) / 2.0;
  return pixel_lo_ + (v - lo_) / (hi_ - lo_) * (pixel_hi_ - pixel_lo_);
}

const char* SeriesColor(int index) {
  static constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                             "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  return kPalette[index % 10];
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

int SvgChart::AddSeries(std::string name, std::vector<double> x, std::vector<double> y) {
  series_.push_back({std::move(name), std::move(x), std::move(y)});
  return static_cast<int>(series_.size()) - 1;
}

void SvgChart::AddBand(int series, std::vector<double> lo, std::vector<double> hi, double opacity) {
  bands_.push_back({series, std::move(lo), std::move(hi), opacity});
}

void SvgChart::AddReference(std::string name, std::vector<double> x, std::vector<double> y) {
  references_.push_back({std::move(name), std::move(x), std::move(y)});
}

std::string SvgChart::Render() const {
  const ChartOptions& o = options_;
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo;
  double ylo = xlo, yhi = -xlo;
  for (const Line& s : series_) {
    Extend(o.x_scale, s.x, &xlo, &xhi);
    Extend(o.y_scale, s.y, &ylo, &yhi);
  }
  for (const Band& b : bands_) {
    Extend(o.y_scale, b.lo, &ylo, &yhi);
    Extend(o.y_scale, b.hi, &ylo, &yhi);
  }
  if (o.fixed_y) ylo = o.y_min, yhi = o.y_max;
  const Domain dx = MakeDomain(o.x_scale, xlo, xhi);
  const Domain dy = MakeDomain(o.y_scale, ylo, yhi);
  const double px0 = o.left, px1 = o.width - o.right;
  const double py0 = o.height - o.bottom, py1 = o.top;
  const AxisMap mx(o.x_scale, dx.lo, dx.hi, px0, px1);
  const AxisMap my(o.y_scale, dy.lo, dy.hi, py0, py1);

  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>\n",
      o.width, o.height, o.width, o.height, HtmlEscape(o.title));
  absl::StrAppend(&svg, "<text class=\"title\" x=\"", o.left, "\" y=\"16\">", HtmlEscape(o.title),
                  "</text>\n");
  if (!o.note.empty()) {
    absl::StrAppend(&svg, "<text class=\"note\" x=\"", o.left, "\" y=\"31\">", HtmlEscape(o.note),
                    "</text>\n");
  }
  // Grid and ticks.
  for (double t : dx.ticks) {
    const double p = mx(t);
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", Px(p), "\" y1=\"", Px(py1), "\" x2=\"",
                    Px(p), "\" y2=\"", Px(py0), "\"/><text class=\"tick\" x=\"", Px(p), "\" y=\"",
                    Px(py0 + 15), "\" text-anchor=\"middle\">", TickLabel(t), "</text>\n");
  }
  for (double t : dy.ticks) {
    const double p = my(t);
    absl::StrAppend(&svg, "<line class=\"grid\" x1=\"", Px(px0), "\" y1=\"", Px(p), "\" x2=\"",
                    Px(px1), "\" y2=\"", Px(p), "\"/><text class=\"tick\" x=\"", Px(px0 - 5),
                    "\" y=\"", Px(p + 4), "\" text-anchor=\"end\">", TickLabel(t), "</text>\n");
  }
  absl::StrAppend(&svg, "<rect class=\"frame\" x=\"", Px(px0), "\" y=\"", Px(py1), "\" width=\"",
                  Px(px1 - px0), "\" height=\"", Px(py0 - py1), "\" fill=\"none\"/>\n");
  // The plot area: a nested <svg> clips to its viewport; same coordinates as the outer one.
  absl::StrAppend(&svg, "<svg class=\"plot\" x=\"", Px(px0), "\" y=\"", Px(py1), "\" width=\"",
                  Px(px1 - px0), "\" height=\"", Px(py0 - py1), "\" viewBox=\"", Px(px0), " ",
                  Px(py1), " ", Px(px1 - px0), " ", Px(py0 - py1), "\">\n");
  for (const Band& b : bands_) {
    const Line& s = series_[b.series];
    const std::string d = BandData(mx, my, s.x, b.lo, b.hi);
    if (d.empty()) continue;
    absl::StrAppend(&svg, "<path class=\"band\" fill=\"", SeriesColor(b.series),
                    "\" fill-opacity=\"", absl::StrFormat("%.2f", b.opacity), "\" d=\"", d,
                    "\"/>\n");
  }
  for (size_t i = 0; i < series_.size(); ++i) {
    absl::StrAppend(&svg, "<path class=\"series\" fill=\"none\" stroke=\"",
                    SeriesColor(static_cast<int>(i)), "\" d=\"",
                    PathData(mx, my, series_[i].x, series_[i].y), "\"/>\n");
  }
  // Reference lines on top: visible even where the data follow them exactly.
  for (const Line& r : references_) {
    absl::StrAppend(&svg,
                    "<path class=\"reference\" fill=\"none\" stroke=\"#444\" "
                    "stroke-dasharray=\"6 4\" d=\"",
                    PathData(mx, my, r.x, r.y), "\"/>\n");
  }
  absl::StrAppend(&svg, "</svg>\n");
  // Legend.
  const int max_rows = std::max(1, (o.height - o.top) / kLegendRow - 1);
  const int entries = static_cast<int>(series_.size() + references_.size());
  const double lx = px1 + 12;
  for (int e = 0; e < entries && e < max_rows; ++e) {
    const double y = o.top + 8 + e * kLegendRow;
    const bool is_ref = e >= static_cast<int>(series_.size());
    if (e == max_rows - 1 && entries > max_rows) {
      absl::StrAppend(&svg, "<text class=\"legend\" x=\"", Px(lx), "\" y=\"", Px(y + 4), "\">… ",
                      entries - e, " more</text>\n");
      break;
    }
    const std::string& name =
        is_ref ? references_[e - series_.size()].name : series_[static_cast<size_t>(e)].name;
    absl::StrAppend(&svg, "<line x1=\"", Px(lx), "\" y1=\"", Px(y), "\" x2=\"", Px(lx + 18),
                    "\" y2=\"", Px(y), "\" stroke=\"", is_ref ? "#444" : SeriesColor(e), "\"",
                    is_ref ? " stroke-dasharray=\"4 3\"" : "",
                    " stroke-width=\"2\"/><text class=\"legend\" x=\"", Px(lx + 23), "\" y=\"",
                    Px(y + 4), "\">", HtmlEscape(name), "</text>\n");
  }
  absl::StrAppend(&svg, "<text class=\"axis\" x=\"", Px((px0 + px1) / 2), "\" y=\"", o.height - 6,
                  "\" text-anchor=\"middle\">", HtmlEscape(o.x_label), "</text>\n");
  absl::StrAppend(&svg, "<text class=\"axis\" transform=\"translate(14,", Px((py0 + py1) / 2),
                  ") rotate(-90)\" text-anchor=\"middle\">", HtmlEscape(o.y_label), "</text>\n");
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace nashnet::server
