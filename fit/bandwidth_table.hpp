#pragma once
// Bandwidth tables for planning: measured and fitted busbw at every measured size.

#include <filesystem>
#include <string>
#include <vector>

#include "fit/series_fit.hpp"

namespace meshbench::fit {

/// A fitted bandwidth for people: "12.5", or "n/a (beta <= 0)" when the regime's time does
/// not grow with size.
std::string bandwidth_text(double bw_GBps);

/// Markdown: a summary per series (alpha of the first regime, peak measured busbw and its size,
/// n_1/2 = the size at which the fitted busbw reaches half that peak), then one row per
/// power-of-two size and one column per series ("measured / predicted" busbw in GB/s), then
/// every fitted regime with its quality.
std::string bandwidth_table_markdown(const std::vector<SeriesFit>& fits);

/// CSV: one row per power-of-two size: bytes, then for each series "<label> busbw_GBps" and
/// "<label> busbw_fit_GBps". Measured values at a size are the median over its rows
/// (repetitions). Cells with no measurement (or outside the measured range, for the fit) are
/// empty.
std::string bandwidth_table_csv(const std::vector<SeriesFit>& fits);

}  // namespace meshbench::fit
