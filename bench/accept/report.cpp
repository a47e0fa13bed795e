#include "bench/accept/report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>

#include "bench/stats.hpp"

namespace meshbench {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* verdict_word(const CheckResult& c) {
  return c.skipped ? "skipped" : (c.passed ? "pass" : "FAIL");
}

}  // namespace

std::string verdict_of(const std::vector<CheckResult>& checks) {
  const bool failed = std::any_of(checks.begin(), checks.end(), [](auto& c) { return !c.passed; });
  const bool measured = std::any_of(checks.begin(), checks.end(), [](auto& c) { return !c.skipped; });
  return failed ? "FAIL" : measured ? "PASS" : "NOTHING CHECKED";
}

std::string spread_text(const std::vector<double>& v, const char* unit) {
  if (v.empty()) return "";
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return fmt::format("{} attempt(s): min {:.4g}, median {:.4g}, max {:.4g} {}", v.size(), *lo,
                     summarize(v).p50, *hi, unit);
}

void write_accept_reports(const std::filesystem::path& dir, const std::vector<CheckResult>& checks,
                          const Topology& topo, bool interrupted) {
  std::ofstream md(dir / "report.md");
  fmt::print(md, "# Acceptance: {}\n\n{} ranks on {} nodes ({}).\n\n| check | verdict | detail | blame |\n"
                 "|---|---|---|---|\n", interrupted ? "INTERRUPTED" : verdict_of(checks),
             topo.world_size, topo.nodes, fmt::join(topo.node_hosts, ", "));
  int failures = 0, skipped = 0;
  for (const CheckResult& c : checks) {
    failures += !c.passed;
    skipped += c.skipped;
    fmt::print(md, "| {} | {} | {} | {} |\n", c.name, verdict_word(c), c.detail,
               fmt::join(c.blame, "; "));
  }
  for (const CheckResult& c : checks) {
    if (c.notes.empty()) continue;
    fmt::print(md, "\n## {} ({})\n\n", c.name, verdict_word(c));
    for (const std::string& line : c.notes) fmt::print(md, "- {}\n", line);
  }
  std::ofstream xml(dir / "junit.xml");
  fmt::print(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"meshbench accept\" "
                  "tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n", checks.size(), failures, skipped);
  for (const CheckResult& c : checks) {
    fmt::print(xml, "  <testcase classname=\"meshbench.accept\" name=\"{}\">", xml_escape(c.name));
    if (c.skipped) fmt::print(xml, "<skipped message=\"{}\"/>", xml_escape(c.detail));
    if (!c.passed) {
      fmt::print(xml, "<failure message=\"{}\">{}</failure>", xml_escape(c.detail),
                 xml_escape(fmt::format("{}", fmt::join(c.blame, "; "))));
    }
    fmt::print(xml, "</testcase>\n");
  }
  xml << "</testsuite>\n";
}

}  // namespace meshbench
