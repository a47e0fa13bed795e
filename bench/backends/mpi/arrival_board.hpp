#pragma once
// Who reached a check: every rank posts a small non-blocking message to rank 0 before it starts
// a collective, so that when the collective does not finish, rank 0 can name the ranks that
// never arrived (the acceptance watchdog). On its own duplicate of MPI_COMM_WORLD.

#include <mpi.h>

#include <map>
#include <vector>

namespace meshbench {

class ArrivalBoard {
 public:
  ArrivalBoard();
  ~ArrivalBoard();
  ArrivalBoard(const ArrivalBoard&) = delete;
  ArrivalBoard& operator=(const ArrivalBoard&) = delete;

  /// This rank has reached check `id` (0 <= id < 32767). Never blocks.
  void arrive(int id);
  /// On rank 0: the ranks whose arrival at `id` has not been received (empty elsewhere).
  std::vector<int> missing(int id);

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  std::vector<MPI_Request> sends_;
  std::map<int, std::vector<MPI_Request>> receives_;  ///< rank 0: per check, one per rank
  std::map<int, std::vector<int>> buffers_;
  int payload_ = 0;
};

}  // namespace meshbench
