// OSU micro-benchmarks output (5.x to 7.x), as people paste it: several tests in one file, the
// launcher's command line and prompts around them, `time` output after a table, "-f" (min, max,
// iterations), "-z" (P50/P90/P99) and "Validation" columns, "# Datatype:" lines, device-buffer
// headers. Each "OSU ... Test" title starts a block; its "Size" header names the metric; rows of
// size and value follow until a line that is not a row.
//
// Latency tests become time series. OSU's all-gather and all-to-all sizes are per rank (per
// peer): they are multiplied by the rank count to give nccl-tests sizes (patterns/collective.hpp);
// all-reduce, reduce-scatter and broadcast sizes are the buffer already. Bandwidth tests (osu_bw,
// osu_bibw, osu_mbw_mr) report MB/s over a window of messages in flight: they become streaming-
// bandwidth series (group "streaming_bw:<test>", time = size / bandwidth per message), which the
// fitter keeps apart from latency series and the profile leaves out (their alpha is no latency).
//
// OSU prints no rank count. It comes from --ranks/--nodes, else from the launcher line before
// the block (mpirun/mpiexec -n/-np, -N/-npernode/-ppn, -H host:slots; srun/salloc/#SBATCH and
// flux run/batch -n,
// -N, --ntasks-per-node), printed with the line it came from; point-to-point tests have 2 ranks.

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/log_text.hpp"
#include "patterns/collective.hpp"

namespace meshbench::fit {
namespace {

using Tokens = std::vector<std::string_view>;

struct OsuTest {
  const char* title;  ///< the words between "OSU MPI..." and "Test"
  const char* op;     ///< meshbench op ("" = none)
  bool per_rank;      ///< OSU size is per rank / per peer
  bool bandwidth;     ///< MB/s over a window
  int ranks;          ///< fixed rank count (point to point), 0 = the run's
};

const OsuTest kTests[] = {
    {"Latency", "ping_pong", false, false, 2},
    {"Allreduce Latency", "all_reduce", false, false, 0},
    {"Allgather Latency", "all_gather", true, false, 0},
    {"Reduce_scatter Latency", "reduce_scatter", false, false, 0},
    {"All-to-All Personalized Exchange Latency", "all_to_all", true, false, 0},
    {"Alltoall Latency", "all_to_all", true, false, 0},
    {"Broadcast Latency", "broadcast", false, false, 0},
    {"Bandwidth", "send_recv", false, true, 2},
    {"Bi-Directional Bandwidth", "send_recv", false, true, 2},
    {"Multiple Bandwidth / Message Rate", "send_recv", false, true, 0},
};

/// The launch geometry a command line states.
struct Geometry {
  int ranks = 0, nodes = 0, per_node = 0;
  std::size_t line = 0;
  bool allocation = false;  ///< salloc / sbatch / #SBATCH: holds for the runs that follow
  bool runs_osu = false;    ///< the line runs an OSU benchmark
};

std::optional<int> small_int(std::string_view t) {
  const auto v = parse_count(t, 1 << 24);
  if (!v || *v < 1) return std::nullopt;
  return static_cast<int>(*v);
}

/// "--key=value", "--key value" or, for a one-letter option, "-N2".
std::optional<int> option(const Tokens& t, std::size_t& k, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (t[k] == name && k + 1 < t.size()) return small_int(t[++k]);
    if (name.size() == 2 && t[k].size() > 2 && t[k].substr(0, 2) == name) {
      if (auto v = small_int(t[k].substr(2))) return v;
    }
    if (t[k].size() > name.size() + 1 && t[k].substr(0, name.size()) == name && t[k][name.size()] == '=') {
      return small_int(t[k].substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

std::optional<Geometry> geometry_of(const LogLine& l) {
  const Tokens t = split_tokens(l.text);
  std::size_t at = 0;
  // Flux ("flux run -N4 --tasks-per-node=96", "flux mini run", "flux batch") takes Slurm's
  // -N / -n / --tasks-per-node meanings.
  auto is_flux = [&](std::size_t k) {
    return t[k] == "flux" && k + 1 < t.size() &&
           (t[k + 1] == "run" || t[k + 1] == "submit" || t[k + 1] == "mini" ||
            t[k + 1] == "batch" || t[k + 1] == "alloc");
  };
  while (at < t.size() && t[at] != "mpirun" && t[at] != "mpiexec" && t[at] != "srun" &&
         t[at] != "salloc" && t[at] != "sbatch" && t[at] != "#SBATCH" && !is_flux(at) &&
         !t[at].ends_with("/mpirun") && !t[at].ends_with("/mpiexec")) {
    ++at;
  }
  if (at == t.size()) return std::nullopt;
  const bool flux = t[at] == "flux";
  // Only a line that runs an OSU benchmark describes one ("mpirun -np 2 -H a,b hostname" does
  // not); salloc, #SBATCH and flux batch/alloc allocate for what follows.
  const bool slurm = flux || t[at] == "srun" || t[at] == "salloc" || t[at] == "sbatch" || t[at] == "#SBATCH";
  Geometry g;
  g.line = l.number;
  g.allocation = t[at] == "salloc" || t[at] == "sbatch" || t[at] == "#SBATCH" ||
                 (flux && (t[at + 1] == "batch" || t[at + 1] == "alloc"));
  g.runs_osu = l.text.find("osu_") != std::string::npos;
  bool conflict = false;
  auto set_per_node = [&](int v) {
    conflict = conflict || (g.per_node > 0 && g.per_node != v);
    g.per_node = v;
  };
  for (std::size_t k = at + 1; k < t.size(); ++k) {
    if (auto v = option(t, k, {"-n", "-np", "--ntasks", "--np"})) g.ranks = *v;
    else if (slurm && (v = option(t, k, {"-N", "--nodes"}))) g.nodes = *v;
    else if (!slurm && (v = option(t, k, {"-N", "-npernode", "--npernode", "-ppn", "--ppn"}))) set_per_node(*v);
    else if (!slurm && (t[k] == "-pernode" || t[k] == "--pernode")) set_per_node(1);
    else if ((v = option(t, k, {"--ntasks-per-node", "--tasks-per-node"}))) set_per_node(*v);
    else if (!slurm && (t[k] == "-H" || t[k] == "--host" || t[k] == "-hosts") && k + 1 < t.size()) {
      // "-H a:32,b:32": nodes and slots.
      std::string_view list = t[++k];
      int hosts = 0, slots = 0;
      bool counted = true;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view h = list.substr(0, comma);
        ++hosts;
        const auto colon = h.find(':');
        const auto s = colon == std::string_view::npos ? std::nullopt : small_int(h.substr(colon + 1));
        if (s) slots += *s; else counted = false;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
      g.nodes = hosts;
      if (counted && g.ranks == 0) g.ranks = slots;
    } else if (!slurm && (t[k] == "--map-by" || t[k] == "-map-by") && k + 1 < t.size()) {
      const std::string_view m = t[++k];  // ppr:N:node
      if (m.rfind("ppr:", 0) == 0 && m.ends_with(":node")) {
        if (auto v = small_int(m.substr(4, m.size() - 9))) set_per_node(*v);
      }
    }
  }
  if (conflict) g.per_node = 0;  // "-N 2 ... -map-by ppr:1:node": the line does not say
  if (g.nodes == 0 && g.ranks > 0 && g.per_node > 0 && g.ranks % g.per_node == 0) g.nodes = g.ranks / g.per_node;
  if (g.ranks == 0 && g.nodes > 0 && g.per_node > 0) g.ranks = g.nodes * g.per_node;
  return g;
}

struct Row {
  std::size_t line;
  std::uint64_t size;
  double value;
};

struct Block {
  std::string test, version;
  std::string library;  ///< "nccl" for OSU's NCCL and RCCL tests, else "mpi" (Measurement)
  std::size_t title_line = 0;
  std::string unit;  ///< "us" or "MB/s"
  int pairs = 0;     ///< osu_mbw_mr "[ pairs: N ]"
  std::string dtype = "unknown";
  std::optional<Geometry> launch;
  std::vector<Row> rows;
  bool closed = false;  ///< a non-row line ended the table
};

/// "# OSU MPI-CUDA Allreduce Latency Test v7.5" (also without '#', and "OSU NCCL-CUDA ...").
bool parse_title(const std::string& line, std::string& test, std::string& version,
                 std::string& library_name) {
  const auto osu = line.find("OSU ");
  const auto at = line.rfind(" Test");
  if (osu == std::string::npos || at == std::string::npos || at < osu || line.size() > 400) return false;
  std::string_view words = std::string_view(line).substr(osu + 4, at - osu - 4);
  const auto space = words.find(' ');  // "MPI", "MPI-CUDA", "NCCL-CUDA", "MPI-ROCM"
  if (space == std::string_view::npos) return false;
  // The library word names no operation; "MPI_Put" (one-sided tests) does and stays in the name,
  // so that "OSU MPI_Put Latency Test" is never read as osu_latency.
  const std::string_view library = words.substr(0, space);
  library_name = library.find("CCL") != std::string_view::npos ? "nccl" : "mpi";  // NCCL, RCCL
  test = std::string(library.find('_') == std::string_view::npos ? words.substr(space + 1) : words);
  const Tokens rest = split_tokens(std::string_view(line).substr(at + 5));
  version = rest.empty() ? "" : std::string(rest[0]);
  return true;
}

std::vector<Block> read_blocks(const std::string& file, const LogText& text) {
  std::vector<Block> blocks;
  std::optional<Geometry> launch, allocation;
  bool header = false;
  for (const LogLine& l : text.lines) {
    std::string test, version, library;
    if (parse_title(l.text, test, version, library)) {
      blocks.push_back({});
      blocks.back().test = test;
      blocks.back().version = version;
      blocks.back().library = library;
      blocks.back().title_line = l.number;
      blocks.back().launch = launch ? launch : allocation;
      launch.reset();  // a run's launcher line speaks for that run only
      header = false;
      continue;
    }
    if (auto g = geometry_of(l)) {
      if (g->allocation) {
        allocation = g;  // salloc, #SBATCH: for the runs that follow
      } else if (!g->runs_osu) {
        launch.reset();  // "mpirun -np 2 -H a,b hostname" says nothing of the next OSU test
      } else {
        // "srun osu_reduce" inside an allocation takes what the allocation leaves unsaid.
        if (allocation && g->nodes == 0 && g->ranks == 0 && g->per_node == 0) {
          g->nodes = allocation->nodes;
          g->ranks = allocation->ranks;
          g->per_node = allocation->per_node;
          g->line = allocation->line;
        }
        launch = g;
      }
    }
    if (blocks.empty()) continue;
    Block& b = blocks.back();
    const Tokens t = split_tokens(l.text);
    if (t.empty()) continue;
    if (l.text.find("pairs:") != std::string::npos) {
      for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (t[k] == "pairs:") b.pairs = small_int(t[k + 1]).value_or(0);
      }
    }
    if (const auto d = l.text.find("Datatype:"); d != std::string::npos) {
      const Tokens dt = split_tokens(std::string_view(l.text).substr(d + 9));
      if (!dt.empty()) b.dtype = valid_utf8(std::string(dt[0]).substr(0, 40));
      if (!b.dtype.empty() && b.dtype.back() == '.') b.dtype.pop_back();
      continue;
    }
    const bool comment = t[0][0] == '#' || t[0] == "\\#";
    const auto size_at = l.text.find("Size");
    if (size_at != std::string::npos && (comment || t[0] == "Size") && !header) {
      if (l.text.find("MB/s") != std::string::npos) b.unit = "MB/s";
      else if (l.text.find("(us)") != std::string::npos || l.text.find("Latency") != std::string::npos) b.unit = "us";
      else throw InputError(fmt::format("{}:{}: OSU header in unknown units: '{}'", file, l.number, valid_utf8(l.text.substr(0, 80))));
      header = true;
      continue;
    }
    if (comment || !header || b.closed) continue;
    const auto size = parse_size_bytes(t[0]);
    const auto value = t.size() >= 2 ? parse_finite(t[1]) : std::nullopt;
    const bool numeric_row = size && value;
    if (!numeric_row) {
      // The table ends at the first line that is not a row: `time` output, a prompt, the next
      // command. Something that starts like a row but is malformed is an error, not an end.
      // ("193.84user 0.52system ..." of GNU time is no row: its first token is no number.)
      auto number_like = [](std::string_view x) {
        return x == "inf" || x == "nan" || x == "-inf" || parse_finite(x).has_value();
      };
      const bool row_like = t.size() >= 2 && t.size() <= 12 && number_like(t[0]) && number_like(t[1]);
      if (row_like) {
        if (!size) throw InputError(fmt::format("{}:{}: size: expected a whole number of bytes, got '{}'", file, l.number, t[0]));
        throw InputError(fmt::format("{}:{}: {}: not a number: '{}'", file, l.number,
                                     b.unit == "MB/s" ? "bandwidth" : "latency", t[1]));
      }
      if (!b.rows.empty()) b.closed = true;
      continue;
    }
    for (std::string_view tok : t) {
      if (tok == "Fail") throw InputError(fmt::format("{}:{}: validation failed (Fail): wrong results are not timings", file, l.number));
    }
    if (!(*value > 0)) {
      throw InputError(fmt::format("{}:{}: {} must be a number > 0, got '{}'", file, l.number,
                                   b.unit == "MB/s" ? "bandwidth" : "latency", t[1]));
    }
    b.rows.push_back({l.number, *size, *value});
  }
  return blocks;
}

const OsuTest* find_test(const std::string& title) {
  for (const OsuTest& t : kTests) {
    if (title == t.title) return &t;
  }
  return nullptr;
}

}  // namespace

ImportedTable import_osu(const std::filesystem::path& file, const LogText& text,
                         const ImportOptions& o) {
  ImportedTable table = log_table("osu", file, text);
  const std::vector<Block> blocks = read_blocks(file.string(), text);
  std::vector<std::string> set_aside;
  std::size_t imported = 0;
  for (const Block& b : blocks) {
    if (b.rows.empty()) continue;
    const std::string where = fmt::format("{}:{}-{}", file.string(), b.title_line, b.rows.back().line);
    const OsuTest* test = find_test(b.test);
    // The title names the test: --op cannot relabel it (a one-sided or allgatherv test is no
    // collective of meshbench's), it may only agree.
    if (!test || !*test->op) {
      set_aside.push_back(fmt::format("'{}' (lines {}-{})", b.test, b.title_line, b.rows.back().line));
      continue;
    }
    const std::string op = test->op;
    if (!o.op.empty() && o.op != op) {
      throw InputError(fmt::format("{}: the title says '{}' ({}), --op says {}", where, b.test, op, o.op));
    }
    const auto op_enum = parse_op(op);
    if (!op_enum) throw InputError(fmt::format("--op: unknown op '{}'", op));
    const bool bandwidth = b.unit == "MB/s";
    if (bandwidth != test->bandwidth) {
      throw InputError(fmt::format("{}: the title says '{}' but the Size header gives {}", where,
                                   b.test, bandwidth ? "MB/s" : "a latency"));
    }
    const bool per_rank = test->per_rank;
    // Ranks and nodes: the flags, else the launcher line, else a fixed count.
    int ranks = o.ranks, nodes = o.nodes;
    std::string from = o.ranks > 0 ? "--ranks" : "";
    if (test && test->ranks > 0 && ranks == 0) ranks = test->ranks, from = "the test (point to point)";
    if (test && b.pairs > 0 && ranks == 0) ranks = 2 * b.pairs, from = "its '[ pairs: N ]' line";
    if (b.launch && ranks == 0 && b.launch->ranks > 0) {
      ranks = b.launch->ranks;
      from = fmt::format("the launcher line {}", b.launch->line);
    }
    if (b.launch && nodes == 0 && b.launch->nodes > 0 && (b.launch->ranks == 0 || ranks == b.launch->ranks)) {
      nodes = b.launch->nodes;
      table.notes.push_back(fmt::format("{}: {} node(s) from the launcher line {}", where, nodes, b.launch->line));
    }
    if (ranks < 1) {
      throw InputError(fmt::format("{}: OSU output does not give the rank count and no launcher "
                                   "line states it: pass --ranks (and --nodes)", where));
    }
    if (nodes < 1) {
      throw InputError(fmt::format("{}: {} ranks, but nothing states the nodes they span: pass --nodes",
                                   where, ranks));
    }
    if (nodes > ranks) {
      throw InputError(fmt::format("{}: {} nodes for {} ranks (--nodes, --ranks)", where, nodes, ranks));
    }
    table.notes.push_back(fmt::format("{}: {} '{}' ({}), {} ranks from {}", where,
                                      bandwidth ? "streaming bandwidth" : "op " + op, b.test,
                                      b.version, ranks, from.empty() ? "--ranks" : from));
    if (table.software.empty()) table.software = fmt::format("OSU micro-benchmarks {}", b.version);
    const std::string origin = fmt::format("{} (OSU micro-benchmarks {}, '{}'), lines {}-{}",
                                           file.string(), b.version, b.test, b.title_line, b.rows.back().line);
    std::map<std::uint64_t, std::size_t> seen;
    std::vector<std::size_t> zero;
    for (const Row& r : b.rows) {
      if (r.size == 0) {
        zero.push_back(r.line);
        continue;
      }
      if (const auto [it, fresh] = seen.emplace(r.size, r.line); !fresh) {
        throw InputError(fmt::format("{}:{}: size {} appears twice (lines {} and {})",
                                     file.string(), r.line, r.size, it->second, r.line));
      }
      Measurement m;
      m.op = op;
      m.dtype = b.dtype;
      m.ranks = ranks;
      m.nodes = nodes;
      m.ranks_per_node = (ranks + nodes - 1) / nodes;
      m.tier = nodes > 1 ? "inter" : "intra";
      m.group = bandwidth ? "streaming_bw:" + b.test : "all";
      const double bytes = per_rank ? static_cast<double>(r.size) * ranks : static_cast<double>(r.size);
      if (bytes > static_cast<double>(1ULL << 50)) {
        throw InputError(fmt::format("{}:{}: size {} x {} ranks is more than 2^50 bytes", file.string(),
                                     r.line, r.size, ranks));
      }
      m.bytes = static_cast<std::uint64_t>(bytes);
      // MB/s = 1e6 bytes per second: the time one message takes at the streaming rate.
      m.time_us = bandwidth ? static_cast<double>(r.size) / r.value : r.value;
      m.busbw_factor = busbw_factor(*op_enum, ranks);
      m.line = r.line;
      m.origin = origin;
      m.library = b.library;
      table.measurements.push_back(m);
      ++imported;
    }
    if (!zero.empty()) {
      table.warnings.push_back(fmt::format("skipped line(s) {}: size 0", line_list(zero)));
    }
  }
  if (!set_aside.empty()) {
    const std::string list = join_list(set_aside);
    if (imported == 0) {
      throw InputError(fmt::format("{}: OSU test(s) {} measure no collective meshbench has (it has all_reduce, all_gather, reduce_scatter, all_to_all, broadcast, ping_pong and send_recv)", file.string(), list));
    }
    table.warnings.push_back(fmt::format("OSU tests meshbench has no op for, set aside: {}", list));
  }
  if (imported == 0) {
    throw InputError(fmt::format("{}: no OSU table (an 'OSU ... Test' title, a 'Size' header and "
                                 "rows of size and value)", file.string()));
  }
  return table;
}

}  // namespace meshbench::fit
