// delay_line: one emulated network cable between two network namespaces, for the emulated
// cluster (scripts/emulated-cluster). This kernel has no sch_netem, so delay is added here in
// user space (see ../shared/MACHINE_NOTES.md).
//
// It creates a TAP device in each namespace (the node's "eth0" and the switch port that the
// script enslaves to the bridge) and forwards every Ethernet frame from one to the other, in
// both directions, after
//   departure = max(arrival, link free) + frame_bits / rate      (serialisation, FIFO)
//   delivery  = departure + delay
// so a stream sees exactly `rate` and every frame at least `delay` (Hockney: t = alpha + n/B).
// Frames beyond --queue-bytes waiting in one direction are dropped (a switch buffer), counted
// and reported at exit. The TAP devices are not persistent: when this process ends, they
// vanish, so killing it cleans up the link.
//
// Usage: delay_line --a-netns NS --a-if NAME --b-netns NS --b-if NAME
//                   [--rate-mbit R (0: unlimited)] [--delay-us D] [--queue-bytes Q] [--ready F]
// It writes F (if given) once both devices exist, then runs until SIGTERM/SIGINT.

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string errno_text(const std::string& what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

/// Opens a TAP device `name` inside network namespace `netns` (/run/netns/<netns>).
int open_tap_in(const std::string& netns, const std::string& name) {
  const int self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self_ns < 0) throw std::runtime_error(errno_text("open /proc/self/ns/net"));
  const std::string path = "/run/netns/" + netns;
  const int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) throw std::runtime_error(errno_text("open " + path));
  if (setns(target, CLONE_NEWNET) != 0) throw std::runtime_error(errno_text("setns " + path));
  const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(errno_text("open /dev/net/tun in " + netns));
  ifreq req{};
  req.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::snprintf(req.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (ioctl(fd, TUNSETIFF, &req) != 0) {
    throw std::runtime_error(errno_text(fmt::format("TUNSETIFF {} in {}", name, netns)));
  }
  if (setns(self_ns, CLONE_NEWNET) != 0) throw std::runtime_error(errno_text("setns back"));
  close(target);
  close(self_ns);
  return fd;
}

using Clock = std::chrono::steady_clock;

struct Frame {
  std::vector<char> bytes;
  Clock::time_point deliver_at;
};

/// One direction of the cable: a reader that stamps frames and a writer that delivers them.
class Direction {
 public:
  Direction(int in_fd, int out_fd, double rate_bps, std::chrono::nanoseconds delay,
            std::size_t queue_bytes)
      : in_(in_fd), out_(out_fd), rate_bps_(rate_bps), delay_(delay), queue_cap_(queue_bytes) {}

  void start() {
    reader_ = std::thread([this] { read_loop(); });
    writer_ = std::thread([this] { write_loop(); });
    set_realtime(writer_);  // a late wake-up would add delay that was not asked for
    set_realtime(reader_);
  }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t forwarded() const { return forwarded_; }

 private:
  static void set_realtime(std::thread& t) {
    sched_param p{};
    p.sched_priority = 50;
    pthread_setschedparam(t.native_handle(), SCHED_FIFO, &p);  // best effort (needs root)
  }

  void read_loop() {
    std::vector<char> buf(65536 + 64);
    while (true) {
      const ssize_t n = read(in_, buf.data(), buf.size());
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return;
      }
      const auto now = Clock::now();
      std::unique_lock lock(mu_);
      if (queued_bytes_ + static_cast<std::size_t>(n) > queue_cap_) {
        ++dropped_;
        continue;
      }
      const auto start = std::max(now, link_free_);
      link_free_ = start;
      if (rate_bps_ > 0) {
        link_free_ += std::chrono::nanoseconds(
            static_cast<std::int64_t>(static_cast<double>(n) * 8.0 / rate_bps_ * 1e9));
      }
      queue_.push_back(Frame{std::vector<char>(buf.data(), buf.data() + n), link_free_ + delay_});
      queued_bytes_ += static_cast<std::size_t>(n);
      cv_.notify_one();
    }
  }

  void write_loop() {
    while (true) {
      Frame f;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        f = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= f.bytes.size();
      }
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
          f.deliver_at.time_since_epoch()).count();
      timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
      }
      if (write(out_, f.bytes.data(), f.bytes.size()) > 0) ++forwarded_;
    }
  }

  int in_, out_;
  double rate_bps_;
  std::chrono::nanoseconds delay_;
  std::size_t queue_cap_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Frame> queue_;
  std::size_t queued_bytes_ = 0;
  Clock::time_point link_free_{};
  std::atomic<std::uint64_t> dropped_{0}, forwarded_{0};
  std::thread reader_, writer_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"delay_line: an emulated cable (rate + delay) between two network namespaces"};
  std::string a_ns, a_if, b_ns, b_if, ready;
  double rate_mbit = 0, delay_us = 0;
  std::size_t queue_bytes = 32u << 20;
  app.add_option("--a-netns", a_ns, "Namespace of side A")->required();
  app.add_option("--a-if", a_if, "TAP device name on side A")->required();
  app.add_option("--b-netns", b_ns, "Namespace of side B")->required();
  app.add_option("--b-if", b_if, "TAP device name on side B")->required();
  app.add_option("--rate-mbit", rate_mbit, "Rate each way, Mbit/s (1e6 bit/s); 0 = unlimited")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--delay-us", delay_us, "Delay each way, microseconds")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--queue-bytes", queue_bytes, "Frames waiting per direction beyond this drop");
  app.add_option("--ready", ready, "File written once both devices exist");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; main waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  try {
    const int a = open_tap_in(a_ns, a_if);
    const int b = open_tap_in(b_ns, b_if);
    const auto delay = std::chrono::nanoseconds(static_cast<std::int64_t>(delay_us * 1e3));
    Direction a_to_b(a, b, rate_mbit * 1e6, delay, queue_bytes);
    Direction b_to_a(b, a, rate_mbit * 1e6, delay, queue_bytes);
    a_to_b.start();
    b_to_a.start();
    if (!ready.empty()) std::ofstream(ready) << getpid() << "\n";
    int sig = 0;
    sigwait(&stop, &sig);
    fmt::print(stderr, "delay_line {}/{} <-> {}/{}: forwarded {} / {} frames, dropped {} / {}\n",
               a_ns, a_if, b_ns, b_if, a_to_b.forwarded(), b_to_a.forwarded(),
               a_to_b.dropped(), b_to_a.dropped());
    std::_Exit(0);  // threads block in read(); the fds close with the process
  } catch (const std::exception& e) {
    fmt::print(stderr, "delay_line: error: {}\n", e.what());
    return 1;
  }
}
