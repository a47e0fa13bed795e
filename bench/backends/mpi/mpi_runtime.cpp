#include "bench/backends/mpi/mpi_runtime.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <mpi.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/backends/mpi/mpi_communicator.hpp"
#include "bench/hardware.hpp"
#include "bench/sweep_config.hpp"
#include "bench/backends/mpi/mpi_error.hpp"

namespace meshbench {

void check_mpi(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw MpiError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                 std::string(text, static_cast<std::size_t>(length)));
}

MpiRuntime::MpiRuntime(int* argc, char*** argv) {
  int provided = 0;
  // The finalize watchdog is a second thread, but it never calls MPI: SINGLE suffices.
  MESHBENCH_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_SINGLE, &provided));
  MESHBENCH_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
}

MpiRuntime::~MpiRuntime() {
  if (!finalized_) finalize(0);
}

int MpiRuntime::world_rank() const {
  int rank = 0;
  MESHBENCH_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  return rank;
}

std::unique_ptr<Communicator> MpiRuntime::world(WaitMode mode) const {
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, /*owned=*/false, mode);
}

Topology MpiRuntime::discover_topology() const {
  Topology topo;
  MESHBENCH_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &topo.rank));
  MESHBENCH_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &topo.world_size));

  MPI_Comm node_comm;
  MESHBENCH_MPI_CHECK(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node_comm));
  int local_size = 0;
  MESHBENCH_MPI_CHECK(MPI_Comm_rank(node_comm, &topo.local_rank));
  MESHBENCH_MPI_CHECK(MPI_Comm_size(node_comm, &local_size));
  // The node's leader is its lowest world rank; leaders in rank order number the nodes.
  int leader = topo.rank;
  MESHBENCH_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, node_comm));
  MPI_Comm_free(&node_comm);

  std::vector<int> leaders(static_cast<std::size_t>(topo.world_size));
  MESHBENCH_MPI_CHECK(
      MPI_Allgather(&leader, 1, MPI_INT, leaders.data(), 1, MPI_INT, MPI_COMM_WORLD));
  std::vector<int> sizes(static_cast<std::size_t>(topo.world_size));
  MESHBENCH_MPI_CHECK(
      MPI_Allgather(&local_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD));

  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int name_len = 0;
  MESHBENCH_MPI_CHECK(MPI_Get_processor_name(name, &name_len));
  std::vector<char> names(static_cast<std::size_t>(topo.world_size) * MPI_MAX_PROCESSOR_NAME);
  MESHBENCH_MPI_CHECK(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names.data(),
                                    MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD));

  std::map<int, int> node_of_leader;
  for (int r = 0; r < topo.world_size; ++r) {
    const int l = leaders[static_cast<std::size_t>(r)];
    if (node_of_leader.emplace(l, static_cast<int>(node_of_leader.size())).second) {
      topo.node_hosts.emplace_back(&names[static_cast<std::size_t>(l) * MPI_MAX_PROCESSOR_NAME]);
    }
    topo.node_of_rank.push_back(node_of_leader[l]);
    topo.ranks_per_node = std::max(topo.ranks_per_node, sizes[static_cast<std::size_t>(r)]);
  }
  topo.nodes = static_cast<int>(node_of_leader.size());
  topo.node_index = topo.node_of_rank[static_cast<std::size_t>(topo.rank)];

  // hwloc facts: each node's leader looks, rank 0 collects (fixed-size records, nodes x 8 KiB).
  constexpr int kFactsChars = 8192;
  MPI_Comm leaders_comm;
  MESHBENCH_MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, topo.local_rank == 0 ? 0 : MPI_UNDEFINED,
                                     topo.rank, &leaders_comm));
  if (leaders_comm != MPI_COMM_NULL) {
    std::string facts = discover_hardware().dump();
    if (facts.size() >= kFactsChars) facts = R"({"error": "hwloc facts longer than 8 KiB"})";
    std::vector<char> mine(kFactsChars, '\0');
    std::copy(facts.begin(), facts.end(), mine.begin());
    std::vector<char> all(topo.rank == 0 ? static_cast<std::size_t>(topo.nodes) * kFactsChars : 0);
    MESHBENCH_MPI_CHECK(MPI_Gather(mine.data(), kFactsChars, MPI_CHAR, all.data(), kFactsChars,
                                   MPI_CHAR, 0, leaders_comm));
    MPI_Comm_free(&leaders_comm);
    for (int n = 0; topo.rank == 0 && n < topo.nodes; ++n) {
      topo.node_hardware.emplace_back(&all[static_cast<std::size_t>(n) * kFactsChars]);
    }
  }
  return topo;
}

WaitMode MpiRuntime::agree_auto_wait_mode(const Topology& topo, unsigned cores) const {
  int ranks_here = 0;
  for (int node : topo.node_of_rank) ranks_here += (node == topo.node_index) ? 1 : 0;
  // Emulated nodes (network namespaces with their own boot_id) share one machine's cores:
  // count the ranks with this /etc/machine-id too. A cluster cloned with one machine-id only
  // costs yield mode, never a wrong result.
  std::string machine_id;
  std::getline(std::ifstream("/etc/machine-id"), machine_id);
  const int color = machine_id.empty()
                        ? MPI_UNDEFINED
                        : static_cast<int>(std::hash<std::string>{}(machine_id) & 0x7fffffff);
  MPI_Comm machine_comm;
  MESHBENCH_MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, color, topo.rank, &machine_comm));
  if (machine_comm != MPI_COMM_NULL) {
    int on_machine = 0;
    MESHBENCH_MPI_CHECK(MPI_Comm_size(machine_comm, &on_machine));
    MPI_Comm_free(&machine_comm);
    ranks_here = std::max(ranks_here, on_machine);
  }
  int yield = auto_wait_mode(ranks_here, cores) == WaitMode::kYield ? 1 : 0;
  MESHBENCH_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &yield, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  return yield ? WaitMode::kYield : WaitMode::kSpin;
}

WaitMode MpiRuntime::choose_wait_mode(const std::string& flag, const Topology& topo) const {
  if (flag == "spin") return WaitMode::kSpin;
  if (flag == "yield") return WaitMode::kYield;
  if (flag != "auto") {
    throw UsageError(fmt::format("--wait: unknown mode '{}' (use spin, yield or auto)", flag));
  }
  return agree_auto_wait_mode(topo, std::thread::hardware_concurrency());
}

std::string MpiRuntime::library_version() const {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MESHBENCH_MPI_CHECK(MPI_Get_library_version(text, &length));
  std::string version(text, static_cast<std::size_t>(length));
  const auto eol = version.find('\n');
  if (eol != std::string::npos) version.resize(eol);
  // "MPICH Version:\t4.0.2" -> "MPICH Version: 4.0.2"
  std::string tidy;
  for (char c : version) {
    const char d = (c == '\t') ? ' ' : c;
    if (!(d == ' ' && !tidy.empty() && tidy.back() == ' ')) tidy.push_back(d);
  }
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  return tidy;
}

std::string MpiRuntime::transport_version() const {
  // Looked up, not linked: MPICH loads libucp itself when it runs over UCX (ch4:ucx).
  using VersionFn = const char* (*)();
  const auto fn = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "ucp_get_version_string"));
  return fn ? std::string(fn()) : std::string();
}

void MpiRuntime::finalize(int exit_code, double finalize_timeout_s) {
  if (finalized_) return;
  finalized_ = true;
  std::fflush(nullptr);
  std::cout.flush();
  // A yielding barrier first: ranks that finished early must not spin inside MPI_Finalize
  // while the others still need the core (see MACHINE_NOTES).
  MPI_Request req;
  if (MPI_Ibarrier(MPI_COMM_WORLD, &req) == MPI_SUCCESS) {
    int done = 0;
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) sched_yield();
  }
  // Across nodes UCX talks TCP, and MPI_Finalize then hangs in a few percent of runs
  // (openucx/ucx#8738, MACHINE_NOTES). A watchdog _exit of the hung rank is not enough there:
  // its peers sit in the launcher's finalize barrier and hydra fails the job (exit 255). All
  // output is written and every rank has passed the barrier, so such jobs end without
  // MPI_Finalize; hydra takes a plain exit with the run's code as success.
  MPI_Comm node_comm;
  int node_size = 0, world_size = 0;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node_comm) ==
          MPI_SUCCESS &&
      MPI_Comm_size(node_comm, &node_size) == MPI_SUCCESS &&
      MPI_Comm_size(MPI_COMM_WORLD, &world_size) == MPI_SUCCESS) {
    int spans_nodes = node_size < world_size ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &spans_nodes, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (spans_nodes) {
      std::fflush(nullptr);
      _exit(exit_code);
    }
  }
  const auto timeout = std::chrono::duration<double>(finalize_timeout_s);
  std::thread([exit_code, timeout] {
    std::this_thread::sleep_for(timeout);
    std::fflush(nullptr);
    _exit(exit_code);  // everything was written before MPI_Finalize was entered
  }).detach();
  MPI_Finalize();
}

void MpiRuntime::abort(int exit_code) const {
  std::fflush(nullptr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  _exit(exit_code);
}

WaitMode auto_wait_mode(int ranks_on_this_node, unsigned cores) {
  return (cores == 0 || static_cast<unsigned>(ranks_on_this_node) > cores) ? WaitMode::kYield
                                                                          : WaitMode::kSpin;
}

}  // namespace meshbench
