// Process groups over PyTorch's own distributed engine (c10d: TCPStore, ProcessGroupGloo).
//
// The rendezvous follows torch.distributed 1.13's init_process_group("gloo", env://) step by step,
// so Dsl processes and PyTorch processes can share one group:
//   1. a TCPStore at MASTER_ADDR:MASTER_PORT, hosted by rank 0, every member counted in under "init/";
//   2. PrefixStore "default_pg", and under it the group's store "default_pg/0" (the first group's name);
//   3. ProcessGroupGloo on "default_pg/0" (it connects the full mesh through that store);
//   4. the store-based barrier: add 1 to "default_pg/store_based_barrier_key:1", wait for world size;
//   5. the group's sequence number (rank 0 publishes it, the others read it).
// Dsl's own bookkeeping lives under "dsl/" in the root store: each member's host, pid and address,
// and a heartbeat each member bumps twice a second. When a collective fails, the heartbeats say
// which member is gone, so the error names it instead of only quoting a socket error.
#include "common.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using std::chrono::milliseconds;
constexpr milliseconds kHeartbeatInterval(500);

std::vector<uint8_t> bytes(const std::string& text) { return std::vector<uint8_t>(text.begin(), text.end()); }
std::string text(const std::vector<uint8_t>& value) { return std::string(value.begin(), value.end()); }

// The local address that routes to the master: what the other members can reach this process on.
std::string route_to(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
    throw std::runtime_error("cannot resolve MASTER_ADDR '" + host + "'");
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  std::string address;
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_in local{};
    socklen_t length = sizeof(local);
    char buffer[INET_ADDRSTRLEN] = {0};
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
        inet_ntop(AF_INET, &local.sin_addr, buffer, sizeof(buffer)) != nullptr)
      address = buffer;
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(found);
  if (address.empty()) throw std::runtime_error("no local address routes to MASTER_ADDR '" + host + "'");
  return address;
}

std::string hostname() {
  char buffer[256] = {0};
  gethostname(buffer, sizeof(buffer) - 1);
  return buffer;
}

c10::intrusive_ptr<c10d::TCPStore> client(const std::string& host, int port, milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(port);
  options.isServer = false;
  options.waitWorkers = false;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(host, options);
}

struct Group {
  std::string master;
  int port = 0;
  int rank = 0;
  int world = 1;
  milliseconds timeout{0};
  std::string address;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int lost_rank = -1;

  std::thread heartbeat;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;

  ~Group() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    if (heartbeat.joinable()) heartbeat.join();
  }

  void start_heartbeat() {
    // Its own connection: the main one may be blocked in a collective's store wait.
    auto beat_store = client(master, port, timeout);
    const std::string key = "dsl/heartbeat/" + std::to_string(rank);
    heartbeat = std::thread([this, beat_store, key]() {
      int64_t count = 0;
      while (true) {
        try {
          beat_store->set(key, bytes(std::to_string(++count)));
        } catch (...) {
          return;  // the store (rank 0) is gone; the next collective reports it
        }
        std::unique_lock<std::mutex> lock(mutex);
        if (wake.wait_for(lock, kHeartbeatInterval, [this] { return stopping; })) return;
      }
    });
  }

  std::string describe(c10d::Store& s, int member) {
    const std::string key = "dsl/peer/" + std::to_string(member);
    try {
      if (s.check({key})) return "rank " + std::to_string(member) + " (" + text(s.get(key)) + ")";
    } catch (...) {
    }
    return "rank " + std::to_string(member) + " (not a Dsl process: no address recorded in the store)";
  }

  // After a failed collective: which member is gone. Reads every heartbeat twice, three intervals
  // apart; a member whose count did not move has stopped. A store that cannot be reached means
  // rank 0, which hosts it, is gone.
  std::string diagnose(const std::string& operation, const std::string& cause) {
    std::ostringstream out;
    out << operation << " failed on rank " << rank << " of " << world << ": ";
    c10::intrusive_ptr<c10d::TCPStore> probe;
    try {
      probe = client(master, port, std::min(timeout, milliseconds(3000)));
    } catch (...) {
      lost_rank = 0;
      out << "lost rank 0, which hosts the group's store at " << master << ":" << port
          << " (it no longer answers: the process died or its machine is unreachable)";
      out << ". Cause: " << cause;
      return out.str();
    }
    auto read = [&](std::vector<std::string>& counts) {
      counts.assign(world, "");
      for (int member = 0; member < world; ++member) {
        const std::string key = "dsl/heartbeat/" + std::to_string(member);
        if (probe->check({key})) counts[member] = text(probe->get(key));
      }
    };
    std::vector<std::string> before, after;
    try {
      read(before);
      std::this_thread::sleep_for(kHeartbeatInterval * 3);
      read(after);
    } catch (...) {
      lost_rank = 0;
      out << "lost rank 0, which hosts the group's store at " << master << ":" << port << ". Cause: " << cause;
      return out.str();
    }
    std::vector<int> stopped;
    for (int member = 0; member < world; ++member)
      if (member != rank && !before[member].empty() && before[member] == after[member]) stopped.push_back(member);
    if (stopped.empty()) {
      out << "every member's heartbeat is still going (a member may have failed by itself or run into the timeout of "
          << timeout.count() << " ms)";
    } else {
      lost_rank = stopped.front();
      out << "lost ";
      for (size_t i = 0; i < stopped.size(); ++i) out << (i ? ", " : "") << describe(*probe, stopped[i]);
      out << ": its heartbeat in the store stopped";
    }
    out << ". Cause: " << cause;
    return out.str();
  }

  template <typename F>
  void collective(const char* operation, F&& body) {
    std::string cause;
    try {
      body();
      return;
    } catch (const c10::Error& e) {
      cause = e.what_without_backtrace();
    } catch (const std::exception& e) {
      cause = e.what();
    }
    throw std::runtime_error(diagnose(operation, cause));
  }
};

Group& G(void* handle) {
  if (handle == nullptr) throw std::invalid_argument("the process group was null (disposed?)");
  return *static_cast<Group*>(handle);
}

void store_based_barrier(c10d::Store& store, int world, milliseconds timeout) {
  const std::string key = "store_based_barrier_key:1";
  store.add(key, 1);
  auto start = std::chrono::steady_clock::now();
  int64_t count = store.add(key, 0);
  while (count != world) {
    if (std::chrono::steady_clock::now() - start > timeout) {
      throw std::runtime_error("the store-based barrier of the rendezvous saw " + std::to_string(count) + " of " +
                               std::to_string(world) + " members within " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(milliseconds(10));
    count = store.add(key, 0);
  }
}

}  // namespace

extern "C" {

DSL_API int dsl_dist_init(const char* master, int32_t port, int32_t rank, int32_t world, int64_t timeout_ms,
                          const char* local_address, void** result) {
  DSL_TRY({
    if (master == nullptr || *master == 0) throw std::invalid_argument("the master address is empty");
    if (world < 1) throw std::invalid_argument("the world size must be at least 1, not " + std::to_string(world));
    if (rank < 0 || rank >= world)
      throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(world - 1));
    if (port <= 0 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is not a TCP port");
    if (timeout_ms <= 0) throw std::invalid_argument("the timeout must be positive");
    auto group = std::make_unique<Group>();
    group->master = master;
    group->port = port;
    group->rank = rank;
    group->world = world;
    group->timeout = milliseconds(timeout_ms);

    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(port);
    options.isServer = rank == 0;
    options.numWorkers = static_cast<size_t>(world);
    options.waitWorkers = true;
    options.timeout = group->timeout;
    options.multiTenant = true;
    try {
      group->store = c10::make_intrusive<c10d::TCPStore>(group->master, options);
    } catch (const std::exception& e) {
      std::string why = rank == 0 ? "rank 0 could not host the store on port " + std::to_string(port) +
                                        " or not every rank joined it within " + std::to_string(timeout_ms) + " ms"
                                  : "rank " + std::to_string(rank) + " could not join the store at " + group->master +
                                        ":" + std::to_string(port) + " within " + std::to_string(timeout_ms) +
                                        " ms (is rank 0 running, and the address reachable?)";
      throw std::runtime_error(why + ": " + e.what());
    }

    auto options_gloo = c10d::ProcessGroupGloo::Options::create(group->timeout);
    const char* interfaces = getenv("GLOO_SOCKET_IFNAME");
    if (interfaces != nullptr && strlen(interfaces) > 0) {
      std::stringstream list(interfaces);
      std::string name;
      while (std::getline(list, name, ','))
        if (!name.empty()) options_gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
      group->address = "interface " + std::string(interfaces);
    } else {
      group->address = local_address != nullptr && *local_address ? std::string(local_address) : route_to(group->master, port);
      options_gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(group->address));
    }
    options_gloo->threads = static_cast<int>(options_gloo->devices.size() * 2);

    group->store->set("dsl/peer/" + std::to_string(rank),
                      bytes("host " + hostname() + ", pid " + std::to_string(getpid()) + ", address " + group->address));
    auto default_pg = c10::make_intrusive<c10d::PrefixStore>("default_pg", group->store);
    auto group_store = c10::make_intrusive<c10d::PrefixStore>("0", default_pg);
    group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group_store, rank, world, options_gloo);
    store_based_barrier(*default_pg, world, group->timeout);
    group->pg->setSequenceNumberForGroup();
    group->start_heartbeat();
    *result = group.release();
  });
}

DSL_API int dsl_dist_free(void* handle) {
  DSL_TRY(delete static_cast<Group*>(handle));
}

DSL_API int dsl_dist_lost_rank(void* handle, int32_t* rank) {
  DSL_TRY(*rank = G(handle).lost_rank);
}

// op: 0 sum, 1 average (Gloo has no average: sum, then divide by the world size).
DSL_API int dsl_dist_all_reduce(void* handle, dsl_tensor tensor, int32_t op) {
  DSL_TRY({
    auto& group = G(handle);
    auto& t = dsl::T(tensor);
    if (!t.is_contiguous()) throw std::invalid_argument("all_reduce needs a contiguous tensor");
    if (op != 0 && op != 1) throw std::invalid_argument("unknown reduction " + std::to_string(op));
    group.collective("all_reduce", [&] {
      std::vector<at::Tensor> list{t};
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      group.pg->allreduce(list, options)->wait();
    });
    if (op == 1 && group.world > 1) t.div_(group.world);
  });
}

DSL_API int dsl_dist_broadcast(void* handle, dsl_tensor tensor, int32_t root) {
  DSL_TRY({
    auto& group = G(handle);
    auto& t = dsl::T(tensor);
    if (!t.is_contiguous()) throw std::invalid_argument("broadcast needs a contiguous tensor");
    if (root < 0 || root >= group.world) throw std::invalid_argument("root rank " + std::to_string(root) + " is outside the group");
    group.collective("broadcast", [&] {
      std::vector<at::Tensor> list{t};
      c10d::BroadcastOptions options;
      options.rootRank = root;
      group.pg->broadcast(list, options)->wait();
    });
  });
}

DSL_API int dsl_dist_barrier(void* handle) {
  DSL_TRY({
    auto& group = G(handle);
    group.collective("barrier", [&] { group.pg->barrier()->wait(); });
  });
}

}  // extern "C"
