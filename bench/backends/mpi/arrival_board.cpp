#include "bench/backends/mpi/arrival_board.hpp"

#include "bench/backends/mpi/mpi_error.hpp"

namespace meshbench {

ArrivalBoard::ArrivalBoard() {
  MESHBENCH_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
  MESHBENCH_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  MESHBENCH_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

ArrivalBoard::~ArrivalBoard() {
  // Completed or not, the requests are dropped with the communicator (no throw here).
  for (MPI_Request& r : sends_) {
    if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
  }
  for (auto& [id, list] : receives_) {
    for (MPI_Request& r : list) {
      if (r != MPI_REQUEST_NULL) {
        MPI_Cancel(&r);
        MPI_Request_free(&r);
      }
    }
  }
  MPI_Comm_free(&comm_);
}

void ArrivalBoard::arrive(int id) {
  if (rank_ == 0) {
    auto& list = receives_[id];
    auto& buf = buffers_[id];
    list.resize(static_cast<std::size_t>(size_), MPI_REQUEST_NULL);
    buf.resize(static_cast<std::size_t>(size_), 0);
    for (int r = 0; r < size_; ++r) {
      MESHBENCH_MPI_CHECK(MPI_Irecv(&buf[static_cast<std::size_t>(r)], 1, MPI_INT, r, id, comm_,
                                    &list[static_cast<std::size_t>(r)]));
    }
  }
  payload_ = rank_;
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Isend(&payload_, 1, MPI_INT, 0, id, comm_, &req));
  sends_.push_back(req);
  // Let finished sends go, so the list stays short.
  for (MPI_Request& r : sends_) {
    int done = 0;
    if (r != MPI_REQUEST_NULL) MESHBENCH_MPI_CHECK(MPI_Test(&r, &done, MPI_STATUS_IGNORE));
  }
}

std::vector<int> ArrivalBoard::missing(int id) {
  std::vector<int> out;
  if (rank_ != 0 || !receives_.count(id)) return out;
  auto& list = receives_[id];
  for (int r = 0; r < size_; ++r) {
    int done = 0;
    MPI_Request& req = list[static_cast<std::size_t>(r)];
    if (req != MPI_REQUEST_NULL) MESHBENCH_MPI_CHECK(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
    if (req != MPI_REQUEST_NULL) out.push_back(r);
  }
  return out;
}

}  // namespace meshbench
