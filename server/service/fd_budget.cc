#include "server/service/fd_budget.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace nashnet::server {

FdBudget::FdBudget(int reserve) : reserve_(reserve) {
  probe_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

FdBudget::~FdBudget() {
  if (probe_fd_ >= 0) ::close(probe_fd_);
}

int FdBudget::Limit() const {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > static_cast<rlim_t>(INT_MAX)) {
    return INT_MAX;
  }
  return static_cast<int>(limit.rlim_cur);
}

bool FdBudget::Short() const {
  if (probe_fd_ < 0) return false;  // no /dev/null: nothing to measure with; admit
  const int lowest = ::fcntl(probe_fd_, F_DUPFD_CLOEXEC, 0);
  if (lowest < 0) return true;  // EMFILE: not one left
  ::close(lowest);
  // Descriptors 0..lowest-1 are open: at most Limit() - lowest are free.
  return static_cast<int64_t>(lowest) + reserve_ >= Limit();
}

int FdBudget::Count() const {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory's own descriptor
}

std::string FdBudget::ShortMessage(absl::string_view what) const {
  return absl::StrCat(what, ": out of file descriptors (", reserve_,
                      " kept free for running games, limit ", Limit(), "); try again later");
}

absl::Status FdBudget::CheckAdmission(absl::string_view what) const {
  const int limit = Limit();
  const int open = Count();
  if (open < 0) {
    // /proc unreadable: either no descriptor is left to read it with, or no /proc at all.
    if (Short()) return absl::ResourceExhaustedError(ShortMessage(what));
    return absl::OkStatus();
  }
  if (static_cast<int64_t>(open) + reserve_ < limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat(what, ": out of file descriptors (", open, " of ", limit, " open, ", reserve_,
                   " kept free for running games); try again later"));
}

}  // namespace nashnet::server
