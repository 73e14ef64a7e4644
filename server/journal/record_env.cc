#include "server/journal/record_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nashnet::server {
namespace {

absl::Status ErrnoError(const char* what, const std::filesystem::path& path, int error) {
  const std::string message = absl::StrCat(what, " ", path.string(), ": ", std::strerror(error));
  // A full disk is a resource the operator can give back; the rest is an internal fault.
  if (error == ENOSPC || error == EDQUOT) return absl::ResourceExhaustedError(message);
  if (error == EACCES || error == EROFS || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InternalError(message);
}

absl::Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

class PosixRecordEnv final : public RecordEnv {
 public:
  absl::Status Append(const std::filesystem::path& path, std::string_view data, bool sync,
                      int mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) return ErrnoError("cannot open", path, errno);
    absl::Status status = WriteAll(fd, data, path);
    if (status.ok() && sync && ::fdatasync(fd) != 0)
      status = ErrnoError("cannot sync", path, errno);
    if (::close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", path, errno);
    return status;
  }

  absl::Status WriteAtomically(const std::filesystem::path& path, std::string_view text,
                               int mode) override {
    const std::filesystem::path partial =
        path.parent_path() / absl::StrCat(".partial-", path.filename().string());
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return ErrnoError("cannot create", partial, errno);
    absl::Status status = WriteAll(fd, text, partial);
    if (status.ok() && ::fdatasync(fd) != 0) status = ErrnoError("cannot sync", partial, errno);
    if (::close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", partial, errno);
    if (status.ok() && ::rename(partial.c_str(), path.c_str()) != 0) {
      status = ErrnoError("cannot rename into", path, errno);
    }
    if (!status.ok()) ::unlink(partial.c_str());
    return status;
  }

  absl::Status Truncate(const std::filesystem::path& path, int64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return ErrnoError("cannot truncate", path, errno);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Read(const std::filesystem::path& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path.string()));
      return ErrnoError("cannot open", path, errno);
    }
    std::string text;
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::close(fd);
        return ErrnoError("cannot read", path, error);
      }
      if (n == 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
  }
};

}  // namespace

RecordEnv* RecordEnv::Default() {
  static PosixRecordEnv* env = new PosixRecordEnv();  // never destroyed: used until exit
  return env;
}

}  // namespace nashnet::server
