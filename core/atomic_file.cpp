#include <varsphere/core/atomic_file.hpp>

#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <varsphere/core/error.hpp>

namespace varsphere {

namespace {

// The table the signal handler reads: fixed storage (no allocation in a handler), one flag per
// slot telling whether its path is live. Process-wide because signals are.
constexpr std::size_t kSlots = 256;
constexpr std::size_t kPathBytes = 4096;
std::array<std::atomic<bool>, kSlots> slot_live{};
std::array<std::array<char, kPathBytes>, kSlots> slot_path{};
std::mutex slot_mutex;  // claims and releases slots; never taken by the handler

int register_temporary(const std::filesystem::path& tmp) {
  const std::string text = std::filesystem::absolute(tmp).string();
  if (text.size() >= kPathBytes) return -1;  // too long to register: still removed by RAII
  std::lock_guard lock(slot_mutex);
  for (std::size_t k = 0; k < kSlots; ++k) {
    if (!slot_live[k].load()) {
      std::memcpy(slot_path[k].data(), text.c_str(), text.size() + 1);
      slot_live[k].store(true);
      return static_cast<int>(k);
    }
  }
  return -1;
}

void release_temporary(int slot) {
  if (slot < 0) return;
  std::lock_guard lock(slot_mutex);
  slot_live[static_cast<std::size_t>(slot)].store(false);
}

// While outputs are being renamed into place the handler only notes the signal: blocking it in
// the committing thread is not enough, because a process-directed signal may be delivered to
// any other thread (an idle OpenMP worker of the attention kernel) that does not block it.
std::atomic<int> commits_in_progress{0};
volatile std::sig_atomic_t pending_signal = 0;

extern "C" void remove_temporaries_and_die(int signal_number) {
  if (commits_in_progress.load() > 0) {
    pending_signal = signal_number;
    return;
  }
  for (std::size_t k = 0; k < kSlots; ++k) {
    if (slot_live[k].load()) ::unlink(slot_path[k].data());  // async-signal-safe
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Holds the handled signals back for its lifetime (a signal that arrives meanwhile is delivered
// when it ends).
class SignalsHeld {
 public:
  SignalsHeld() {
    commits_in_progress.fetch_add(1);
    sigset_t set;
    sigemptyset(&set);
    for (int s : kHandledSignals) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalsHeld() {
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    // A signal that another thread took meanwhile is acted on now, as if it arrived here.
    if (commits_in_progress.fetch_sub(1) == 1 && pending_signal != 0) {
      const int signal_number = pending_signal;
      pending_signal = 0;
      remove_temporaries_and_die(signal_number);
    }
  }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

std::filesystem::path temporary_for(const std::filesystem::path& target,
                                    const std::filesystem::path& dir) {
  static std::atomic<unsigned> counter{0};
  std::string name = target.stem().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++) + target.extension().string();
  return dir / name;
}

std::filesystem::path folder_of(const std::filesystem::path& target) {
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

}  // namespace

AtomicOutput::AtomicOutput(std::filesystem::path target)
    : AtomicOutput(target, folder_of(target)) {}

AtomicOutput::AtomicOutput(std::filesystem::path target, const std::filesystem::path& staging_dir)
    : target_(std::move(target)), tmp_(temporary_for(target_, staging_dir)) {
  std::error_code ec;
  if (!std::filesystem::is_directory(staging_dir, ec)) {
    throw IoError("cannot write '" + target_.string() + "': directory '" + staging_dir.string() +
                  "' does not exist");
  }
  slot_ = register_temporary(tmp_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);  // best effort: never throw from a destructor
  }
  release_temporary(slot_);
}

void AtomicOutput::commit() {
  std::error_code ec;
  std::filesystem::rename(tmp_, target_, ec);
  if (ec) {
    throw IoError("cannot write '" + target_.string() + "': " + ec.message());
  }
  committed_ = true;
  release_temporary(slot_);
  slot_ = -1;
}

void write_text_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& writer) {
  AtomicOutput out(path);
  {
    std::ofstream stream(out.temporary_path(), std::ios::out | std::ios::trunc);
    if (!stream) {
      throw IoError("cannot write '" + path.string() + "': cannot create a file there");
    }
    writer(stream);
    stream.flush();
    if (!stream) {
      throw IoError("cannot write '" + path.string() + "': write failed (disk full?)");
    }
  }
  out.commit();
}

std::filesystem::path OutputTransaction::stage(const std::filesystem::path& target) {
  const std::filesystem::path dir = folder_of(target);
  bool in_new_folder = false;
  for (const auto& f : folders_) in_new_folder = in_new_folder || f == dir;
  staged_.push_back(in_new_folder ? std::make_unique<AtomicOutput>(target, folder_of(dir))
                                  : std::make_unique<AtomicOutput>(target));
  return staged_.back()->temporary_path();
}

void OutputTransaction::new_folder(const std::filesystem::path& folder) {
  folders_.push_back(folder);
}

void OutputTransaction::commit() {
  const SignalsHeld held;
  for (const auto& folder : folders_) {
    std::error_code ec;
    std::filesystem::create_directory(folder, ec);
    if (ec) throw IoError("cannot create the folder '" + folder.string() + "': " + ec.message());
  }
  for (auto& out : staged_) out->commit();
  staged_.clear();
  folders_.clear();
}

void remove_temporaries_on_signal() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int s : kHandledSignals) {
      struct sigaction action {};
      action.sa_handler = remove_temporaries_and_die;
      sigemptyset(&action.sa_mask);
      sigaction(s, &action, nullptr);
    }
  });
}

}  // namespace varsphere
