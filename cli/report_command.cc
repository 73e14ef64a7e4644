#include "cli/report_command.h"

#include <cstdio>
#include <filesystem>

#include "absl/status/status.h"
#include "cli/cli_util.h"
#include "server/report/report.h"
#include "server/sweep/sweep_report.h"

namespace nashnet::cli {

ReportCommand::ReportCommand(CLI::App* parent) {
  app_ = parent->add_subcommand(
      "report", "Turn a run record into one self-contained HTML page of SVG charts");
  app_->add_option("dir", dir_, "Run record folder (from simulate or run) or a sweep's folder")
      ->required();
  app_->add_option("--out,-o", out_, "Output file (default DIR/report.html)");
  app_->add_flag("--force,-f", force_, "Overwrite an existing output file");
  app_->add_option("--max-points", max_points_, "Rows plotted per series (>= 10, default 1000)");
}

int ReportCommand::Run() {
  server::ReportOptions options;
  options.max_points = max_points_;
  if (absl::Status s = options.Validate(); !s.ok()) {
    return ReportError(
        absl::InvalidArgumentError(std::string("--max-points: ") + std::string(s.message())),
        kExitUsage);
  }
  const std::filesystem::path dir(dir_);
  const std::filesystem::path out =
      out_.empty() ? dir / "report.html" : std::filesystem::path(out_);
  const absl::Status status = server::IsSweepFolder(dir)
                                  ? server::WriteSweepReport(dir, out, options, force_)
                                  : server::WriteReport(dir, out, options, force_);
  if (!status.ok()) {
    const bool bad_input = absl::IsNotFound(status) || absl::IsInvalidArgument(status) ||
                           absl::IsAlreadyExists(status);
    return ReportError(status, bad_input ? kExitUsage : kExitRunFailed);
  }
  std::printf("%s\n", out.string().c_str());
  return kExitOk;
}

}  // namespace nashnet::cli
