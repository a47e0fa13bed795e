#pragma once
// Checked MPI calls: every call goes through MESHBENCH_MPI_CHECK, which throws MpiError with the
// call text, file:line and MPI's own error string. Never compiled out.

#include <stdexcept>
#include <string>

namespace meshbench {

/// An MPI call returned an error code.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws MpiError describing `call` if `code` is not MPI_SUCCESS.
void check_mpi(int code, const char* call, const char* file, int line);

}  // namespace meshbench

#define MESHBENCH_MPI_CHECK(call) ::meshbench::check_mpi((call), #call, __FILE__, __LINE__)
