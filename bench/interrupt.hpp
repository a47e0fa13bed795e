#pragma once
// Ctrl-C (SIGINT) and SIGTERM during a measurement: every rank finishes the iteration it is in,
// the ranks agree in the harness's next reduction, and the command records what it measured,
// marks run.json interrupted and exits 130 (128 + SIGINT, the shell's convention).

#include <stdexcept>

namespace meshbench {

/// Exit code of an interrupted run (128 + SIGINT).
inline constexpr int kInterruptedExitCode = 130;

/// Thrown by Harness::measure on every rank at the same iteration once any rank was signalled.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted (SIGINT or SIGTERM)") {}
};

/// Installs the SIGINT and SIGTERM handlers (idempotent). The handler only sets a flag (async-
/// signal-safe); a second signal restores the default action, so pressing Ctrl-C twice kills a
/// rank stuck outside the harness. mpiexec (Hydra) forwards Ctrl-C to every rank as SIGINT.
void install_interrupt_handlers();

/// Whether this process received SIGINT or SIGTERM since install_interrupt_handlers.
bool interrupt_requested();

}  // namespace meshbench
