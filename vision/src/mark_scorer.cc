#include "esep/vision/mark_scorer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_format.h"
#include "histogram.h"
#include "paper_lift.h"

namespace esep::vision {
namespace {

struct PixelBox {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // half-open
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// A half-open range of columns.
struct Span {
  int begin = 0;
  int end = 0;
  bool empty() const { return end <= begin; }
};

Span Intersect(const Span& a, const Span& b) {
  return {std::max(a.begin, b.begin), std::min(a.end, b.end)};
}

// The columns c for which lo <= a0 + da * c < hi.
Span Solve(double a0, double da, double lo, double hi) {
  constexpr int kFar = 1 << 30;
  if (std::abs(da) < 1e-12) return a0 >= lo && a0 < hi ? Span{-kFar, kFar} : Span{0, 0};
  double first = (lo - a0) / da, last = (hi - a0) / da;
  if (da < 0) std::swap(first, last);
  first = std::clamp(first, -1e9, 1e9);
  last = std::clamp(last, -1e9, 1e9);
  // da > 0: c >= first and c < last; da < 0: c > first and c <= last.
  const int begin = static_cast<int>(da > 0 ? std::ceil(first) : std::floor(first) + 1);
  const int end = static_cast<int>(da > 0 ? std::ceil(last) : std::floor(last) + 1);
  return {begin, end};
}

PixelBox ImageBox(const PageTransform& t, double x, double y, double w, double h, int cols,
                  int rows) {
  double min_u = 1e18, min_v = 1e18, max_u = -1e18, max_v = -1e18;
  for (const double px : {x, x + w}) {
    for (const double py : {y, y + h}) {
      const PointPx p = t.ToImage(px, py);
      min_u = std::min(min_u, p.x);
      max_u = std::max(max_u, p.x);
      min_v = std::min(min_v, p.y);
      max_v = std::max(max_v, p.y);
    }
  }
  PixelBox box;
  box.x0 = std::clamp(static_cast<int>(std::floor(min_u)), 0, cols);
  box.y0 = std::clamp(static_cast<int>(std::floor(min_v)), 0, rows);
  box.x1 = std::clamp(static_cast<int>(std::ceil(max_u)) + 1, 0, cols);
  box.y1 = std::clamp(static_cast<int>(std::ceil(max_v)) + 1, 0, rows);
  return box;
}

// The pixels of pen strokes (`strokes`, 1 where a pixel reaches the stroke floor) together with
// the pixels of their blurred edges: those of `edges` (1 where a pixel reaches kStrokeEdge) within
// `reach` pixels of a stroke pixel.
cv::Mat StrokesWithEdges(const cv::Mat& strokes, const cv::Mat& edges, int reach) {
  cv::Mat near_stroke;
  cv::dilate(strokes, near_stroke,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach + 1, 2 * reach + 1)));
  return strokes | (edges & near_stroke);
}

// Whether ink that lies outside target `t` (in the band from the ring's inner edge to the halo)
// forms a shape that comes close to the box and reaches far from it. A neighbouring box's outline
// lies farther than the entry distance, so it counts only when ink joins it to this box. Pixels
// count as ink as they count for the stroke score, after the `lift` of streaks and folds: by
// their stroke `weight`, or by their `edge_weight` within `edge_reach` pixels of such a pixel.
bool InkEntersFromOutside(const cv::Mat& image, const PageTransform& transform,
                          const MarkScorerOptions& options, std::size_t t,
                          const std::vector<Rect>& areas, const PixelBox& halo,
                          const std::vector<bool>& marked, const std::array<int, 256>& weight,
                          const std::array<int, 256>& edge_weight, int edge_reach,
                          const PaperLift& lift) {
  if (halo.empty()) return false;
  const Rect& a = areas[t];
  const double x0 = a.x_mm(), x1 = a.x_mm() + a.width_mm();
  const double y0 = a.y_mm(), y1 = a.y_mm() + a.height_mm();
  const double near = options.ring_inner_mm, far = options.halo_mm;
  // The other marked boxes this band reaches, each with its own ring, and whatever lies nearer
  // to one of them than to this box: what lies there is that box's printed outline and its
  // voter's mark. Left out, a mark in the next box that spills over its edge towards this one
  // stays the next box's, however it runs. An unmarked box stays in: a stamp's ring that enters
  // this box often runs on past the next one, and that is where it reaches away from this box.
  // (`marked` holds only boxes that read as votes, with no ink entering them from outside; where
  // the next box is one, a stamp that made a vote here would make an overvote in a one-choice
  // contest: the ballot goes back to the voter.)
  //
  // The printed outlines of all the other boxes in reach (their edges, give or take
  // `outline_mm`) are ink, but never bridged to by the closing below, so a voter's tick that
  // ends short of the next box's outline is not joined to it.
  struct Other {
    double x0, y0, x1, y1;
  };
  std::vector<Other> marked_boxes, outlines;
  for (std::size_t j = 0; j < areas.size(); ++j) {
    if (j == t) continue;
    const Rect& b = areas[j];
    const Other o{b.x_mm(), b.y_mm(), b.x_mm() + b.width_mm(), b.y_mm() + b.height_mm()};
    if (o.x1 + near < x0 - far || o.x0 - near > x1 + far || o.y1 + near < y0 - far ||
        o.y0 - near > y1 + far) {
      continue;
    }
    outlines.push_back(o);
    if (marked[j]) marked_boxes.push_back(o);
  }
  const double edge_mm = options.outline_mm;
  auto on_outline = [&](double x, double y) {
    return std::any_of(outlines.begin(), outlines.end(), [&](const Other& o) {
      // Signed distance from the outline's rectangle, negative inside it.
      return std::abs(std::max({o.x0 - x, x - o.x1, o.y0 - y, y - o.y1})) <= edge_mm;
    });
  };
  const PointPx origin = transform.ToPage(0.5, 0.5);
  const PointPx step_c = transform.ToPage(1.5, 0.5);
  const PointPx step_r = transform.ToPage(0.5, 1.5);
  const double dxc = step_c.x - origin.x, dyc = step_c.y - origin.y;
  const double dxr = step_r.x - origin.x, dyr = step_r.y - origin.y;
  const int w = halo.x1 - halo.x0, h = halo.y1 - halo.y0;
  cv::Mat printed(h, w, CV_8UC1, cv::Scalar(0));
  cv::Mat ink(h, w, CV_8UC1, cv::Scalar(0));
  cv::Mat edges(h, w, CV_8UC1, cv::Scalar(0));
  cv::Mat band(h, w, CV_8UC1, cv::Scalar(0));
  // Distance from the box in units of 1/16 mm, per pixel of the band.
  std::vector<std::uint8_t> distance(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0);
  // Distance from the nearest other marked box, likewise (only where there is one).
  std::vector<std::uint8_t> neighbour_distance(
      marked_boxes.empty() ? 0 : static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 255);
  bool any = false;
  for (int r = halo.y0; r < halo.y1; ++r) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(r);
    std::uint8_t* out = ink.ptr<std::uint8_t>(r - halo.y0);
    std::uint8_t* in_band = band.ptr<std::uint8_t>(r - halo.y0);
    const PaperLift::Row lifted = lift.InRow(r);
    const double xr = origin.x + dxr * r, yr = origin.y + dyr * r;
    for (int c = halo.x0; c < halo.x1; ++c) {
      const double x = xr + dxc * c, y = yr + dyc * c;
      const double d = std::max({x0 - x, x - x1, y0 - y, y - y1});
      if (d < near || d > far) continue;
      if (!marked_boxes.empty()) {
        double nd = 1e9;
        for (const Other& o : marked_boxes) {
          nd = std::min(nd, std::max({o.x0 - x, x - o.x1, o.y0 - y, y - o.y1}));
        }
        // Within another marked box's ring, or nearer that box than this one: that box's ink.
        // Where a voter's mark here and one in the next box run out of their boxes and meet,
        // each box keeps its own side.
        if (nd <= near || nd < d) continue;
        neighbour_distance[static_cast<std::size_t>(r - halo.y0) * static_cast<std::size_t>(w) +
                           static_cast<std::size_t>(c - halo.x0)] =
            static_cast<std::uint8_t>(std::clamp(std::floor(nd * 16), 0.0, 255.0));
      }
      in_band[c - halo.x0] = 1;
      distance[static_cast<std::size_t>(r - halo.y0) * static_cast<std::size_t>(w) +
               static_cast<std::size_t>(c - halo.x0)] =
          static_cast<std::uint8_t>(std::min(255.0, std::floor(d * 16)));
      const auto v = static_cast<std::size_t>(lifted.Level(c, row[c]));
      if (weight[v] == 0) {
        if (edge_weight[v] != 0 && !on_outline(x, y)) {
          edges.at<std::uint8_t>(r - halo.y0, c - halo.x0) = 1;
        }
        continue;
      }
      if (on_outline(x, y)) {
        printed.at<std::uint8_t>(r - halo.y0, c - halo.x0) = 1;
        continue;
      }
      out[c - halo.x0] = 1;
      any = true;
    }
  }
  if (!any) return false;
  const double ppm = transform.PixelsPerMm();
  // Ink as the stroke score counts it: the stroke pixels and their blurred edges.
  const cv::Mat faint = ink | edges;
  ink = StrokesWithEdges(ink, edges, edge_reach);
  // Faint ink joins pieces of ink: each piece spreads along pixels at the edge level or darker
  // by up to `faint_join_mm`. A light stamp's ring reaches the stroke floor only here and there,
  // where its grain is heavy, and runs on between at the edge level; a dust speck or a voter's
  // tick on clean paper spreads no further than its own blur. How far the faint ink joined to a
  // piece reaches is measured with the piece below, so a fold's crease must be lifted before
  // (row levels and slanted creases, see PaperLift): left at the edge level and joined to the
  // tail of a voter's tick, it would make the tick reach further by up to `faint_join_mm`.
  cv::Mat joined = ink.clone();
  {
    const int steps = std::max(1, static_cast<int>(std::lround(options.faint_join_mm * ppm)));
    const cv::Mat step = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    for (int i = 0; i < steps; ++i) {
      cv::dilate(joined, joined, step);
      joined &= faint;
    }
  }
  cv::Mat joined_labels, stats, centres;
  const int joined_count =
      cv::connectedComponentsWithStats(joined, joined_labels, stats, centres, 8, CV_32S);
  // What each joined piece is: 0 ink, 1 a speck, 2 the mark of another box.
  std::vector<std::uint8_t> kind(static_cast<std::size_t>(joined_count), 0);
  // Dust on the glass: a joined piece smaller than `speck_mm2` is a speck, and the closing below
  // leaves it out, so that a speck just beyond the tail of a voter's tick is not joined to it.
  // (A light stamp's heavy-grained places are joined into larger pieces by its faint ink.)
  const int speck_px = static_cast<int>(std::floor(options.speck_mm2 * ppm * ppm));
  for (int l = 1; l < joined_count; ++l) {
    if (stats.at<int>(l, cv::CC_STAT_AREA) < speck_px) kind[static_cast<std::size_t>(l)] = 1;
  }
  // A joined piece that touches the ring of another marked box and stays within `reach_mm` of it
  // is that box's mark spilling over its edge (as a mark here may spill towards it): it is left
  // out, so that the closing does not join it to the tail of a mark here.
  if (!neighbour_distance.empty()) {
    const int touches = static_cast<int>(std::floor((near + 1.5 / ppm) * 16));
    const int within = static_cast<int>(std::floor(options.reach_mm * 16));
    std::vector<int> nearest(static_cast<std::size_t>(joined_count), 255);
    std::vector<int> farthest(static_cast<std::size_t>(joined_count), 0);
    for (int r = 0; r < h; ++r) {
      const int* label = joined_labels.ptr<int>(r);
      const std::uint8_t* d = neighbour_distance.data() + static_cast<std::size_t>(r) * w;
      for (int c = 0; c < w; ++c) {
        const auto l = static_cast<std::size_t>(label[c]);
        nearest[l] = std::min<int>(nearest[l], d[c]);
        farthest[l] = std::max<int>(farthest[l], d[c]);
      }
    }
    for (int l = 1; l < joined_count; ++l) {
      const auto i = static_cast<std::size_t>(l);
      if (kind[i] == 0 && nearest[i] <= touches && farthest[i] < within) kind[i] = 2;
    }
  }
  cv::Mat specks(h, w, CV_8UC1, cv::Scalar(0));
  for (int r = 0; r < h; ++r) {
    const int* label = joined_labels.ptr<int>(r);
    std::uint8_t* in = ink.ptr<std::uint8_t>(r);
    std::uint8_t* out = specks.ptr<std::uint8_t>(r);
    for (int c = 0; c < w; ++c) {
      if (in[c] == 0) continue;
      const std::uint8_t k = kind[static_cast<std::size_t>(label[c])];
      if (k == 1) out[c] = 1;
      if (k != 0) in[c] = 0;
    }
  }
  // A stamp's ink is textured and breaks up where it is fainter: gaps up to `ink_gap_mm` are
  // closed (dilation then erosion, so no piece grows towards or away from the box), and what the
  // closing adds outside the band is dropped.
  const int bridge = std::max(1, static_cast<int>(std::lround(options.ink_gap_mm * ppm / 2)));
  cv::morphologyEx(
      ink, ink, cv::MORPH_CLOSE,
      cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * bridge + 1, 2 * bridge + 1)));
  ink |= specks;
  ink |= printed;
  ink &= band;
  // Each 8-connected piece of ink, together with the pieces faint ink joins it to: the nearest
  // and farthest its ink comes.
  cv::Mat labels;
  const int count = cv::connectedComponents(ink, labels, 8, CV_32S);
  std::vector<int> parent(static_cast<std::size_t>(count + joined_count));
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<int>(i);
  auto root = [&](int i) {
    while (parent[static_cast<std::size_t>(i)] != i) {
      parent[static_cast<std::size_t>(i)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
      i = parent[static_cast<std::size_t>(i)];
    }
    return i;
  };
  std::vector<int> nearest(parent.size(), 255), farthest(parent.size(), 0);
  for (int r = 0; r < h; ++r) {
    const int* label = labels.ptr<int>(r);
    const int* joined_label = joined_labels.ptr<int>(r);
    const std::uint8_t* d = distance.data() + static_cast<std::size_t>(r) * w;
    for (int c = 0; c < w; ++c) {
      // How far the faint ink a piece is joined along reaches counts too (how near it comes does
      // not): a light stamp's ring that reaches the stroke floor only where it crosses the box's
      // blurred outline runs on at the edge level.
      if (joined_label[c] != 0) {
        int& f = farthest[static_cast<std::size_t>(count + joined_label[c])];
        f = std::max<int>(f, d[c]);
      }
      if (label[c] == 0) continue;
      const auto l = static_cast<std::size_t>(label[c]);
      nearest[l] = std::min<int>(nearest[l], d[c]);
      farthest[l] = std::max<int>(farthest[l], d[c]);
      const int j = joined_label[c];
      if (j == 0 || kind[static_cast<std::size_t>(j)] != 0) continue;
      const int mine = root(label[c]), theirs = root(count + j);
      if (mine != theirs) parent[static_cast<std::size_t>(theirs)] = mine;
    }
  }
  for (int l = 1; l < count + joined_count; ++l) {
    if (l == count) continue;  // no joined piece
    const auto top = static_cast<std::size_t>(root(l));
    if (top == static_cast<std::size_t>(l)) continue;
    nearest[top] = std::min(nearest[top], nearest[static_cast<std::size_t>(l)]);
    farthest[top] = std::max(farthest[top], farthest[static_cast<std::size_t>(l)]);
  }
  const int entry = static_cast<int>(std::floor(options.entry_mm * 16));
  const int reach = static_cast<int>(std::floor(options.reach_mm * 16));
  for (int l = 1; l < count; ++l) {
    if (root(l) != l) continue;
    if (nearest[static_cast<std::size_t>(l)] <= entry &&
        farthest[static_cast<std::size_t>(l)] >= reach) {
      return true;
    }
  }
  return false;
}

}  // namespace

int ThresholdUnits(double threshold) {
  return static_cast<int>(std::lround(threshold * kScoreUnitsPerOne));
}

MarkClass ClassifyScore(int score_units, const MarkThresholds& thresholds) {
  if (score_units >= ThresholdUnits(thresholds.definite())) return MARKED;
  if (score_units >= ThresholdUnits(thresholds.marginal())) return MARGINAL;
  return EMPTY;
}

std::string FormatThresholds(const MarkThresholds& thresholds, const std::string& source) {
  return absl::StrFormat(
      "mark thresholds (%s), as a fraction of the target interior darkened relative to the "
      "paper around it:\n"
      "  marked    score >= %.2f%% (%d units of 1/%d)\n"
      "  marginal  score >= %.2f%% (%d units): neither vote nor non-vote, the ballot is returned\n"
      "  empty     score <  %.2f%%\n",
      source, thresholds.definite() * 100, ThresholdUnits(thresholds.definite()), kScoreUnitsPerOne,
      thresholds.marginal() * 100, ThresholdUnits(thresholds.marginal()),
      thresholds.marginal() * 100);
}

MarkScorer::MarkScorer(const cv::Mat& image, const PageTransform& transform, int ink_level,
                       MarkScorerOptions options)
    : image_(image), transform_(transform), ink_level_(ink_level), options_(options) {}

std::vector<int> MarkScorer::Score(const std::vector<Rect>& areas) const {
  std::vector<int> scores;
  for (const TargetScore& t : ScoreTargets(areas, kScoreUnitsPerOne + 1, kScoreUnitsPerOne + 1))
    scores.push_back(t.linear);
  return scores;
}

std::vector<TargetScore> MarkScorer::ScoreTargets(const std::vector<Rect>& areas,
                                                  int examine_from_units,
                                                  int vote_from_units) const {
  std::vector<TargetScore> scores(areas.size());
  if (areas.empty() || image_.empty()) return scores;
  const double ro = options_.ring_outer_mm;
  const double ri = options_.ring_inner_mm;
  const double inset = options_.interior_inset_mm;

  std::vector<PixelBox> boxes;
  std::vector<PixelBox> halos;
  PixelBox band{image_.cols, 0, 0, 0};
  PixelBox box_columns{image_.cols, 0, 0, 0};
  for (const Rect& a : areas) {
    boxes.push_back(ImageBox(transform_, a.x_mm() - ro, a.y_mm() - ro, a.width_mm() + 2 * ro,
                             a.height_mm() + 2 * ro, image_.cols, image_.rows));
    const double h = options_.halo_mm;
    halos.push_back(ImageBox(transform_, a.x_mm() - h, a.y_mm() - h, a.width_mm() + 2 * h,
                             a.height_mm() + 2 * h, image_.cols, image_.rows));
    band.x0 = std::min(band.x0, halos.back().x0);
    band.x1 = std::max(band.x1, halos.back().x1);
    if (boxes.back().empty()) continue;
    box_columns.x0 = std::min(box_columns.x0, boxes.back().x0);
    box_columns.x1 = std::max(box_columns.x1, boxes.back().x1);
  }
  if (box_columns.x1 <= box_columns.x0) return scores;

  // Each column's paper level over the whole image height: a streak darkens all of it, a mark
  // or a printed box only a part.
  const int band_width = band.x1 - band.x0;
  const int row_step = std::max(1, static_cast<int>(transform_.PixelsPerMm()));
  std::vector<Histogram> column_hist(static_cast<std::size_t>(band_width), Histogram{});
  long long samples = 0;
  for (int r = row_step / 2; r < image_.rows; r += row_step) {
    const std::uint8_t* row = image_.ptr<std::uint8_t>(r) + band.x0;
    for (int c = 0; c < band_width; ++c) ++column_hist[static_cast<std::size_t>(c)][row[c]];
    ++samples;
  }
  std::vector<int> column_level(static_cast<std::size_t>(band_width));
  for (int c = 0; c < band_width; ++c) {
    column_level[static_cast<std::size_t>(c)] =
        Percentile(column_hist[static_cast<std::size_t>(c)], samples, 0.85);
  }
  // The typical paper level over the columns of the boxes and their rings.
  std::vector<int> sorted(column_level.begin() + (box_columns.x0 - band.x0),
                          column_level.begin() + (box_columns.x1 - band.x0));
  const int typical_paper = NthPercentile(sorted, 50);
  std::vector<int> column_lift(static_cast<std::size_t>(band_width));
  for (int c = 0; c < band_width; ++c) {
    column_lift[static_cast<std::size_t>(c)] =
        std::max(0, typical_paper - column_level[static_cast<std::size_t>(c)] - kLiftDeadZone);
  }

  // The same for each image row the target interiors cover, sampled across the whole width: a
  // fold or a horizontal scanner line crosses the page, a mark stays in its box.
  std::vector<int> row_lift(static_cast<std::size_t>(image_.rows), 0);
  std::vector<Crease> creases;
  {
    std::vector<char> needed(static_cast<std::size_t>(image_.rows), 0);
    for (const Rect& a : areas) {
      const PixelBox box =
          ImageBox(transform_, a.x_mm() + inset, a.y_mm() + inset, a.width_mm() - 2 * inset,
                   a.height_mm() - 2 * inset, image_.cols, image_.rows);
      for (int r = box.y0; r < box.y1; ++r) needed[static_cast<std::size_t>(r)] = 2;
    }
    for (const PixelBox& halo : halos) {
      for (int r = halo.y0; r < halo.y1; ++r) {
        if (needed[static_cast<std::size_t>(r)] == 0) needed[static_cast<std::size_t>(r)] = 1;
      }
    }
    const int col_step = std::max(1, static_cast<int>(4 * transform_.PixelsPerMm()));
    std::vector<int> row_level(static_cast<std::size_t>(image_.rows), -1);
    std::vector<std::uint8_t> samples_in_row;
    std::vector<int> levels;
    for (int r = 0; r < image_.rows; ++r) {
      if (!needed[static_cast<std::size_t>(r)]) continue;
      const std::uint8_t* row = image_.ptr<std::uint8_t>(r);
      samples_in_row.clear();
      for (int c = col_step / 2; c < image_.cols; c += col_step) samples_in_row.push_back(row[c]);
      const int level = NthPercentile(samples_in_row, 85);
      row_level[static_cast<std::size_t>(r)] = level;
      // The typical level is taken over the interiors' rows only.
      if (needed[static_cast<std::size_t>(r)] == 2) levels.push_back(level);
    }
    if (!levels.empty()) {
      const int typical_row = NthPercentile(levels, 50);
      for (int r = 0; r < image_.rows; ++r) {
        const int level = row_level[static_cast<std::size_t>(r)];
        if (level >= 0) {
          row_lift[static_cast<std::size_t>(r)] = std::max(0, typical_row - level - kLiftDeadZone);
        }
      }
      // A fold across a skewed sheet, or one folded at a slant, runs through the rows: its
      // crease is found and lifted along its own line.
      creases = FindCreases(image_, transform_.PixelsPerMm(), typical_row);
    }
  }
  const PaperLift lift(std::move(column_lift), band.x0, std::move(row_lift), std::move(creases));

  const PointPx origin = transform_.ToPage(0.5, 0.5);
  const PointPx step_c = transform_.ToPage(1.5, 0.5);
  const PointPx step_r = transform_.ToPage(0.5, 1.5);
  const double dxc = step_c.x - origin.x, dyc = step_c.y - origin.y;
  const double dxr = step_r.x - origin.x, dyr = step_r.y - origin.y;

  const int edge_reach =
      std::max(1, static_cast<int>(std::lround(kStrokeEdgeMm * transform_.PixelsPerMm())));
  // Each box's stroke and edge weights (they depend on its paper level), for the ink test below.
  std::vector<std::pair<std::array<int, 256>, std::array<int, 256>>> ink_weights(areas.size());
  for (std::size_t t = 0; t < areas.size(); ++t) {
    const PixelBox& box = boxes[t];
    if (box.empty()) continue;
    const Rect& a = areas[t];
    const double ix0 = a.x_mm() + inset, ix1 = a.x_mm() + a.width_mm() - inset;
    const double iy0 = a.y_mm() + inset, iy1 = a.y_mm() + a.height_mm() - inset;
    const double gx0 = a.x_mm() - ri, gx1 = a.x_mm() + a.width_mm() + ri;
    const double gy0 = a.y_mm() - ri, gy1 = a.y_mm() + a.height_mm() + ri;
    const double ox0 = a.x_mm() - ro, ox1 = a.x_mm() + a.width_mm() + ro;
    const double oy0 = a.y_mm() - ro, oy1 = a.y_mm() + a.height_mm() + ro;
    Histogram ring{};
    Histogram interior{};
    long long ring_count = 0;
    long long interior_sum = 0;
    long long interior_count = 0;
    for (int r = box.y0; r < box.y1; ++r) {
      const std::uint8_t* row = image_.ptr<std::uint8_t>(r);
      const PaperLift::Row lifted = lift.InRow(r);
      // Page coordinates along this row: x = xr + dxc * c, y = yr + dyc * c.
      const double xr = origin.x + dxr * r, yr = origin.y + dyr * r;
      const Span outer = Intersect(Intersect(Solve(xr, dxc, ox0, ox1), Solve(yr, dyc, oy0, oy1)),
                                   Span{box.x0, box.x1});
      if (outer.empty()) continue;
      const Span guard =
          Intersect(Intersect(Solve(xr, dxc, gx0, gx1), Solve(yr, dyc, gy0, gy1)), outer);
      const Span inner =
          Intersect(Intersect(Solve(xr, dxc, ix0, ix1), Solve(yr, dyc, iy0, iy1)), guard);
      auto level = [&](int c) { return lifted.Level(c, row[c]); };
      const int ring_end = guard.empty() ? outer.end : guard.begin;
      for (int c = outer.begin; c < ring_end; ++c) ++ring[static_cast<std::size_t>(level(c))];
      ring_count += ring_end - outer.begin;
      if (!guard.empty()) {
        for (int c = guard.end; c < outer.end; ++c) ++ring[static_cast<std::size_t>(level(c))];
        ring_count += outer.end - guard.end;
      }
      for (int c = inner.begin; c < inner.end; ++c) {
        const int v = level(c);
        interior_sum += v;
        ++interior[static_cast<std::size_t>(v)];
      }
      if (!inner.empty()) interior_count += inner.end - inner.begin;
    }
    if (interior_count == 0) continue;
    const int paper = ring_count >= 16 ? Percentile(ring, ring_count, 0.5) : typical_paper;
    const long long range = std::max(16, paper - ink_level_);
    const long long darkening = paper * interior_count - interior_sum;
    const long long denominator = interior_count * range;
    long long units =
        darkening <= 0 ? 0 : (darkening * kScoreUnitsPerOne + denominator / 2) / denominator;
    TargetScore& out = scores[t];
    out.linear = static_cast<int>(std::min<long long>(units, kScoreUnitsPerOne));

    // On a noisy scan the floor rises above the paper's own spread: 2.5 times the rise from
    // the ring's median to its 85th percentile (ink only darkens, so the light side of the ring
    // is paper even where a mark runs through it), so that noise never adds up to a mark.
    const int spread = ring_count >= 16 ? Percentile(ring, ring_count, 0.85) - paper : 0;
    const double floor_level = std::max(kStrokeFloor * static_cast<double>(range), 2.5 * spread);
    const double full_level =
        std::max(kStrokeFull * static_cast<double>(range), 1.25 * floor_level);
    // A blurred stroke's edges (see kStrokeEdge); none where noise reaches as far.
    const double edge_level = std::max(kStrokeEdge * static_cast<double>(range), 2.5 * spread);
    // Each gray level's weight as a pen stroke and as a stroke's edge, in 1/1024, measured from
    // `paper_level`.
    auto weights = [&](int paper_level, std::array<int, 256>& stroke, std::array<int, 256>& edge) {
      for (int v = 0; v < 256; ++v) {
        const double dark = paper_level - v;
        stroke[static_cast<std::size_t>(v)] =
            dark < floor_level
                ? 0
                : static_cast<int>(std::min(1024.0, std::floor(dark * 1024 / full_level)));
        edge[static_cast<std::size_t>(v)] =
            dark < edge_level || dark >= floor_level
                ? 0
                : static_cast<int>(std::floor(dark * 1024 / full_level));
      }
    };
    // Around the box, from the ring's paper or the page's, whichever is lighter: show-through
    // from the back and a stamp's ring darken part of the ring, and pull its median down, while
    // the band beyond lies on plain paper. Measured from the darker ring, a light stamp's ring
    // in the band stayed under the floor and no longer reached away from the box. The page's
    // paper is its columns' 85th percentile less the ring's own rise from median to 85th
    // percentile, so that on a noisy page both are medians and noise does not become ink.
    std::array<int, 256> around_weight{}, around_edge_weight{};
    weights(std::max(paper, typical_paper - spread), around_weight, around_edge_weight);
    // Inside, from the interior's own paper where show-through from the back darkens all of it
    // more than the ring (which it only partly covers): the interior's 90th percentile, when it
    // lies below the ring's median by no more than show-through does (kShowThroughMax). A
    // light stamp over such a box reached the floor only inside it. Where ink covers a tenth of
    // the interior or more, the 90th percentile is ink, far darker, and the ring's paper stays.
    const int interior_paper = Percentile(interior, interior_count, 0.9);
    const int inside_paper =
        interior_paper < paper &&
                paper - interior_paper <= kShowThroughMax * static_cast<double>(range)
            ? interior_paper
            : paper;
    std::array<int, 256> weight{}, edge_weight{};
    weights(inside_paper, weight, edge_weight);
    // The stroke pixels of the interior, from its histogram; then, where there are any, the
    // edges around them, which need the pixels' places.
    long long stroke_sum = 0;
    long long stroke_pixels = 0;
    for (std::size_t v = 0; v < 256; ++v) {
      stroke_sum += static_cast<long long>(interior[v]) * weight[v];
      stroke_pixels += weight[v] != 0 ? interior[v] : 0;
    }
    if (stroke_pixels > 0) {
      const int bw = box.x1 - box.x0, bh = box.y1 - box.y0;
      cv::Mat levels(bh, bw, CV_8UC1, cv::Scalar(0));
      cv::Mat strokes(bh, bw, CV_8UC1, cv::Scalar(0));
      cv::Mat edges(bh, bw, CV_8UC1, cv::Scalar(0));
      for (int r = box.y0; r < box.y1; ++r) {
        const std::uint8_t* row = image_.ptr<std::uint8_t>(r);
        const PaperLift::Row lifted = lift.InRow(r);
        const double xr = origin.x + dxr * r, yr = origin.y + dyr * r;
        const Span inner = Intersect(Intersect(Solve(xr, dxc, ix0, ix1), Solve(yr, dyc, iy0, iy1)),
                                     Span{box.x0, box.x1});
        for (int c = inner.begin; c < inner.end; ++c) {
          const auto v = static_cast<std::size_t>(lifted.Level(c, row[c]));
          levels.at<std::uint8_t>(r - box.y0, c - box.x0) = static_cast<std::uint8_t>(v);
          strokes.at<std::uint8_t>(r - box.y0, c - box.x0) = weight[v] != 0 ? 1 : 0;
          edges.at<std::uint8_t>(r - box.y0, c - box.x0) = edge_weight[v] != 0 ? 1 : 0;
        }
      }
      const cv::Mat counted = StrokesWithEdges(strokes, edges, edge_reach);
      long long edge_sum = 0;
      for (int y = 0; y < bh; ++y) {
        const std::uint8_t* level_row = levels.ptr<std::uint8_t>(y);
        const std::uint8_t* counted_row = counted.ptr<std::uint8_t>(y);
        for (int x = 0; x < bw; ++x) {
          if (counted_row[x] != 0) edge_sum += edge_weight[level_row[x]];
        }
      }
      stroke_sum += std::min(edge_sum, kStrokeEdgePerPixel * 1024LL * stroke_pixels);
    }
    const long long stroke_denominator = interior_count * 1024;
    out.stroke = static_cast<int>(std::min<long long>(
        kScoreUnitsPerOne,
        (stroke_sum * kScoreUnitsPerOne + stroke_denominator / 2) / stroke_denominator));
    ink_weights[t] = {around_weight, around_edge_weight};
  }
  // Ink from outside, once every box's own pen strokes are known. A neighbouring box's ink is
  // its voter's mark (and left out of this box's band) only where that box reads as a vote: its
  // strokes reach `vote_from_units` and no ink enters it from outside. A stamp whose ring runs
  // down through a column of boxes darkens the boxes above and below with its own ink; left out
  // as marks, they cut the ring where it reaches away from the box between them. Leaving a box
  // out only widens the others' bands, so each box found to have ink from outside is put back
  // and the boxes not yet found so are examined again, until none changes.
  std::vector<bool> examined(areas.size()), marked(areas.size());
  for (std::size_t t = 0; t < areas.size(); ++t) {
    const TargetScore& s = scores[t];
    examined[t] =
        s.linear >= 0 && (s.stroke >= examine_from_units || s.linear >= examine_from_units);
    marked[t] = s.linear >= 0 && s.stroke >= vote_from_units;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t t = 0; t < areas.size(); ++t) {
      TargetScore& out = scores[t];
      if (!examined[t] || out.foreign_ink) continue;
      out.foreign_ink =
          InkEntersFromOutside(image_, transform_, options_, t, areas, halos[t], marked,
                               ink_weights[t].first, ink_weights[t].second, edge_reach, lift);
    }
    for (std::size_t t = 0; t < areas.size(); ++t) {
      if (marked[t] && scores[t].foreign_ink) {
        marked[t] = false;
        changed = true;
      }
    }
  }
  return scores;
}

}  // namespace esep::vision
