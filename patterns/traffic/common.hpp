#pragma once
// Small helpers the per-axis files share.

#include "patterns/traffic.hpp"

namespace meshbench::traffic_detail {

inline double d(long long v) { return static_cast<double>(v); }

/// A row with its group size filled from the layout.
TrafficRow row(const TrafficInputs& in, const char* axis, const char* phase, CollectiveOp op,
               double bytes, long long calls, std::vector<MeshAxis> axes, std::string what);

/// Rows for `total_bytes` sent in buckets of at most `bucket` bytes: the full buckets, then
/// the remainder.
void add_buckets(std::vector<TrafficRow>& rows, const TrafficInputs& in, const char* axis,
                 CollectiveOp op, double total_bytes, double bucket,
                 const std::vector<MeshAxis>& axes, const std::string& what);

}  // namespace meshbench::traffic_detail
