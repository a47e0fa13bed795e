#include "bench/interrupt.hpp"

#include <csignal>

namespace meshbench {
namespace {

// The one piece of process state a signal handler may touch (C++17 [support.signal]).
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int signal_number) {
  g_interrupted = 1;
  std::signal(signal_number, SIG_DFL);  // the second Ctrl-C ends the process
}

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

bool interrupt_requested() { return g_interrupted != 0; }

}  // namespace meshbench
