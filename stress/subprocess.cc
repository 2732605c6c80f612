// stress/subprocess.cc: fork/exec with a pipe, poll and a deadline.
#include "stress/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>


extern char** environ;

namespace stress {

std::string ChildResult::Describe() const {
  if (spawn_failed) return "could not start";
  if (timed_out) return fmt::format("timed out after {:.0f} s", seconds);
  if (signaled) return fmt::format("killed by signal {} ({})", term_signal, strsignal(term_signal));
  return fmt::format("exit {}", exit_code);
}

ChildResult RunChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                     double timeout_seconds) {
  ChildResult r;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  // Built before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    const std::string key = kv.substr(0, kv.find('='));
    if (env.count(key) == 0) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (std::string& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  int fds[2];  // stdout
  int efds[2];  // stderr
  if (argv.empty() || pipe2(fds, O_CLOEXEC) != 0) {
    r.spawn_failed = true;
    return r;
  }
  if (pipe2(efds, O_CLOEXEC) != 0) {
    close(fds[0]);
    close(fds[1]);
    r.spawn_failed = true;
    return r;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {fds[0], fds[1], efds[0], efds[1]}) close(fd);
    r.spawn_failed = true;
    return r;
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(fds[1], STDOUT_FILENO);
    dup2(efds[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execve(argp[0], argp.data(), envp.data());
    const char msg[] = "subprocess: cannot execute the program\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  close(efds[1]);
  char buf[65536];
  pollfd p[2] = {{fds[0], POLLIN, 0}, {efds[0], POLLIN, 0}};
  while (p[0].fd >= 0 || p[1].fd >= 0) {
    const double left = timeout_seconds - elapsed();
    if (left <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    const int ready = poll(p, 2, static_cast<int>(std::min(left, 0.2) * 1000) + 1);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || p[i].revents == 0) continue;
      const ssize_t n = read(p[i].fd, buf, sizeof(buf));
      if (n > 0) {
        r.output.append(buf, static_cast<std::size_t>(n));
        if (i == 0) r.out.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        p[i].fd = -1;  // poll ignores it from now on
      }
    }
  }
  close(fds[0]);
  close(efds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.seconds = elapsed();
  if (r.timed_out) return r;
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.term_signal = WTERMSIG(status);
  } else {
    r.exit_code = WEXITSTATUS(status);
  }
  return r;
}

}  // namespace stress
