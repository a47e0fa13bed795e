// The importers on the corpus of real logs in tests/data/logs (sources in its INDEX files). Each
// row of expected.csv names a file, the flags a user would pass, and either the series it must
// import (op, group, ranks, nodes x ranks per node, dtype, size range, rows) or the refusal it
// must give (a part of the one-line message). The expectations come from reading each log by
// hand (INDEX_NCCL.md, INDEX_OSU.md), not from running the importer.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/log_text.hpp"

namespace meshbench::fit {
namespace {

const std::filesystem::path kLogs = std::filesystem::path(MESHBENCH_TEST_DATA) / "logs";

ImportOptions options_of(const std::string& flags) {
  ImportOptions o;
  std::istringstream in(flags);
  for (std::string flag, value; in >> flag;) {
    if (flag == "--in-place") {
      o.in_place = true;
      continue;
    }
    in >> value;
    if (flag == "--ranks") o.ranks = std::stoi(value);
    else if (flag == "--nodes") o.nodes = std::stoi(value);
    else if (flag == "--op") o.op = value;
    else ADD_FAILURE() << "unknown flag in expected.csv: " << flag;
  }
  return o;
}

TEST(LogCorpus, EveryFileImportsAsExpectedOrIsRefusedWithTheHint) {
  const CsvTable expected = CsvTable::read(kLogs / "expected.csv");
  auto col = [&](const CsvRow& r, const char* name) { return r.fields[expected.column(name)]; };
  std::size_t checked = 0;
  for (const CsvRow& row : expected.rows()) {
    const std::string file = col(row, "file"), flags = col(row, "flags");
    SCOPED_TRACE(file + " " + flags);
    const ImportOptions o = options_of(flags);
    if (col(row, "outcome") == "refuse") {
      try {
        const ImportedTable t = import_table(kLogs / file, o);
        ADD_FAILURE() << "imported " << t.measurements.size() << " rows, expected a refusal";
      } catch (const InputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(col(row, "refusal")), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        EXPECT_NE(what.find(file), std::string::npos) << what;  // names the file
      }
      ++checked;
      continue;
    }
    ImportedTable t;
    try {
      t = import_table(kLogs / file, o);
    } catch (const InputError& e) {
      ADD_FAILURE() << "refused: " << e.what();
      continue;
    }
    std::vector<const Measurement*> series;
    for (const Measurement& m : t.measurements) {
      if (m.op == col(row, "op") && m.group == col(row, "group")) series.push_back(&m);
    }
    ASSERT_FALSE(series.empty()) << "no " << col(row, "op") << " " << col(row, "group") << " series";
    EXPECT_EQ(series.size(), std::stoul(col(row, "rows")));
    const Measurement& first = *series.front();
    EXPECT_EQ(first.ranks, std::stoi(col(row, "ranks")));
    EXPECT_EQ(first.nodes, std::stoi(col(row, "nodes")));
    EXPECT_EQ(first.ranks_per_node, std::stoi(col(row, "ranks_per_node")));
    EXPECT_EQ(first.tier, first.nodes > 1 ? "inter" : "intra");
    EXPECT_EQ(first.dtype, col(row, "dtype"));
    EXPECT_EQ(first.bytes, std::stoull(col(row, "first_bytes")));
    EXPECT_EQ(series.back()->bytes, std::stoull(col(row, "last_bytes")));
    EXPECT_FALSE(first.origin.empty());  // provenance travels with every point
    // Who ran it chooses the algorithm a profile assumes: NCCL's and RCCL's tables (nccl-tests,
    // rccl-tests, OSU's NCCL test, whose title says "NCCL-CUDA") against OSU's MPI tests.
    const bool nccl = file.rfind("nccl-", 0) == 0 || file.rfind("rccl-", 0) == 0 ||
                      file.rfind("osu-xccl-", 0) == 0;
    EXPECT_EQ(first.library, nccl ? "nccl" : "mpi");
    ++checked;
  }
  EXPECT_GE(checked, 40u);
}

/// A small all_reduce table on 4 ranks, 4 rank lines on 2 hosts, with `row` appended.
/// A temp file of this process and test: ctest runs each test in its own process, two at once.
std::filesystem::path temp_log(const char* what) {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         fmt::format("meshbench_{}_{}_{}.txt", what, getpid(), test ? test->name() : "none");
}

std::string table_with(const std::string& extra_rank_line, const std::string& rows) {
  std::string t = "# nThread 1 nGpus 1 minBytes 8 maxBytes 64\n# Using devices\n";
  for (int r = 0; r < 4; ++r) {
    t += "#  Rank  " + std::to_string(r) + " Group  0 Pid 1 on host" + std::to_string(r / 2) +
         " device  " + std::to_string(r % 2) + " [0x01] GPU\n";
  }
  t += extra_rank_line;
  t += "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong\n";
  return t + rows;
}

const char* kRows =
    "     1048576        262144     float     sum      -1    100.0   10.49   15.73      0    100.0   10.49   15.73      0\n"
    "     2097152        524288     float     sum      -1    180.0   11.65   17.48      0    180.0   11.65   17.48      0\n"
    "     4194304       1048576     float     sum      -1    340.0   12.34   18.50      0    340.0   12.34   18.50      0\n";

std::string import_error(const std::string& text) {
  const auto path = temp_log("bad_log");
  std::ofstream(path, std::ios::binary) << text;
  try {
    import_table(path, {});
  } catch (const InputError& e) {
    return e.what();
  }
  return "imported";
}

ImportedTable import_text(const std::string& text, ImportOptions o = {}) {
  const auto path = temp_log("edge_log");
  std::ofstream(path, std::ios::binary) << text;
  return import_table(path, o);
}

TEST(LogEdgeCases, PrefixesBomCyclesAndRepeatedRankLines) {
  // pdsh prefixes on every line, a UTF-8 BOM: the same table.
  std::string pdsh;
  std::istringstream lines(table_with("", kRows));
  for (std::string l; std::getline(lines, l);) pdsh += "node7: " + l + "\n";
  const ImportedTable a = import_text("\xEF\xBB\xBF" + pdsh);
  ASSERT_EQ(a.measurements.size(), 3u);
  EXPECT_EQ(a.measurements.front().ranks, 4);
  EXPECT_EQ(a.measurements.front().nodes, 2);
  // -N 2 cycles: the sweep printed twice is two repetitions, not a duplicate.
  EXPECT_EQ(import_text(table_with("", std::string(kRows) + kRows)).measurements.size(), 6u);
  // A rank line pasted twice is one rank, with a warning.
  const ImportedTable d = import_text(table_with("#  Rank  3 Group  0 Pid 1 on host1 device  1 [0x01] GPU\n", kRows));
  EXPECT_EQ(d.measurements.front().ranks, 4);
  EXPECT_FALSE(d.warnings.empty());
  // A host name with invalid UTF-8 is kept, made valid.
  const ImportedTable u = import_text(table_with("", kRows).replace(table_with("", kRows).find("host0"), 5, "h\xff\xfe" "0"));
  EXPECT_EQ(u.hosts.front(), "h??0");
}

TEST(LogEdgeCases, BadValuesAreOneLineNamingTheLine) {
  auto row = [](const std::string& size) {
    return "  " + size + "        262144     float     sum      -1    100.0   10.49   15.73      0    100.0   10.49   15.73      0\n";
  };
  for (const char* size : {"inf", "1e30", "0.5", "-8", "8.5", "18446744073709551616"}) {
    const std::string e = import_error(table_with("", std::string(kRows) + row(size)));
    EXPECT_NE(e.find(":11: size: expected a whole number of bytes"), std::string::npos) << size << ": " << e;
  }
  const std::string big = import_error(table_with("#  Rank 99999999999 Group 0 Pid 1 on h device 0 [0x01] GPU\n", kRows));
  EXPECT_NE(big.find(":7: rank 99999999999: more ranks than any run has"), std::string::npos) << big;
  // A 100 KB line inside the table (std::regex recursed on such lines) is chatter, skipped.
  const std::string long_line = "node1:1:1 [0] NCCL INFO " + std::string(100000, 'x') + "\n";
  std::string rows = kRows;
  rows.insert(rows.find('\n') + 1, long_line);
  const ImportedTable t = import_text(table_with("", rows));
  EXPECT_EQ(t.measurements.size(), 3u);
  ASSERT_FALSE(t.warnings.empty());
  EXPECT_NE(t.warnings.front().find("skipped line(s) 9"), std::string::npos) << t.warnings.front();
  // Refusals are one line that says why (import_error returns "imported" when nothing throws).
  const std::string bom = import_error("\xEF\xBB\xBF"), no_rows = import_error(table_with("", ""));
  EXPECT_NE(bom.find("unknown format"), std::string::npos) << bom;
  EXPECT_NE(no_rows.find("a table header and no complete row"), std::string::npos) << no_rows;
  for (const std::string& e : {bom, no_rows}) EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  // Past the line limit the file is refused, never cut short.
  std::string many;
  many.reserve(2 * kMaxLogLines + 200);
  for (std::size_t i = 0; i <= kMaxLogLines; ++i) many += "#\n";
  const std::string too_long = import_error(table_with("", kRows) + many);
  EXPECT_NE(too_long.find("more than 2000000 lines"), std::string::npos) << too_long;
}

TEST(LogEdgeCases, MutatedCorpusLogsAreImportedOrRefusedWithAnInputError) {
  // Every real log, mutated: cut at a random byte, a line deleted or repeated, a number replaced
  // by nan, inf, -1, 0.5, 1e308 or 2^64, a byte flipped. The importer reads it or throws
  // InputError with one line; never another exception, never a crash.
  const char* numbers[] = {"nan", "inf", "-1", "0.5", "1e308", "18446744073709551616", "0", "N/A"};
  std::mt19937 rng(12);
  const auto path = temp_log("mutated_log");
  int mutants = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kLogs)) {
    if (entry.path().extension() != ".txt") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (int i = 0; i < 25; ++i, ++mutants) {
      std::string m = text;
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, m.size())(rng);
      const std::size_t line_start = m.rfind('\n', at == 0 ? 0 : at - 1) == std::string::npos ? 0 : m.rfind('\n', at == 0 ? 0 : at - 1) + 1;
      const std::size_t line_end = std::min(m.find('\n', at), m.size());
      switch (i % 5) {
        case 0: m.resize(at); break;
        case 1: m.erase(line_start, line_end - line_start); break;
        case 2: m.insert(line_start, m.substr(line_start, line_end - line_start) + "\n"); break;
        case 3: {
          // Replace the number the position falls in.
          std::size_t a = at, b = at;
          while (a > 0 && (std::isdigit(static_cast<unsigned char>(m[a - 1])) || m[a - 1] == '.')) --a;
          while (b < m.size() && (std::isdigit(static_cast<unsigned char>(m[b])) || m[b] == '.')) ++b;
          m.replace(a, b - a, numbers[std::uniform_int_distribution<std::size_t>(0, std::size(numbers) - 1)(rng)]);
          break;
        }
        default: if (at < m.size()) m[at] = static_cast<char>(rng() & 0xff);
      }
      std::ofstream(path, std::ios::binary) << m;
      try {
        const ImportedTable t = import_table(path, {});
        for (const Measurement& x : t.measurements) {
          EXPECT_TRUE(std::isfinite(x.time_us) && x.time_us > 0 && x.bytes > 0 && x.ranks > 0) << entry.path();
        }
      } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << entry.path() << " mutant " << i << ": " << e.what();
      }
    }
  }
  EXPECT_GT(mutants, 1000);
}

}  // namespace
}  // namespace meshbench::fit
