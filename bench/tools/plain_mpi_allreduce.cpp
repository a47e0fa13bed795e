// Reference timing loop for the harness-fidelity comparison (scripts/fidelity): MPI_Allreduce
// of float32 sums timed the way OSU's osu_allreduce does it (barrier, then back-to-back calls,
// each timed on its own, average per rank, then the average over ranks), with no harness.
//
// usage: mpiexec -n N plain_mpi_allreduce MINBYTES MAXBYTES ITERS WARMUP
// prints: bytes,avg_us  (one line per size, factor 2)

#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

#include "patterns/units.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, nranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  if (argc != 5) {
    if (rank == 0) std::fprintf(stderr, "usage: %s MINBYTES MAXBYTES ITERS WARMUP\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  std::uint64_t min_bytes = 0, max_bytes = 0;
  try {
    min_bytes = meshbench::parse_bytes(argv[1]);
    max_bytes = meshbench::parse_bytes(argv[2]);
  } catch (const std::exception& e) {
    if (rank == 0) std::fprintf(stderr, "plain_mpi_allreduce: %s\n", e.what());
    MPI_Finalize();
    return 2;
  }
  const int iters = std::stoi(argv[3]);
  const int warmup = std::stoi(argv[4]);
  if (rank == 0) std::printf("bytes,avg_us\n");
  for (std::uint64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    const int count = static_cast<int>(bytes / sizeof(float));
    std::vector<float> send(static_cast<std::size_t>(count), 1.0f), recv(send.size());
    for (int i = 0; i < warmup; ++i) {
      MPI_Allreduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double total = 0;
    for (int i = 0; i < iters; ++i) {
      const double t0 = MPI_Wtime();
      MPI_Allreduce(send.data(), recv.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      total += MPI_Wtime() - t0;
    }
    double mine = total / iters * 1e6, sum = 0;
    MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) std::printf("%llu,%.4f\n", static_cast<unsigned long long>(bytes), sum / nranks);
  }
  MPI_Finalize();
  return 0;
}
