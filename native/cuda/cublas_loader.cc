// cuBLAS is opened at run time, not linked: the same addon then loads on machines with no GPU
// or no cuBLAS, and finds the copy inside a PyTorch install when the toolkit has none. A
// candidate that opens but lacks an entry point (an old or partial copy) is closed and the
// search goes on; every attempt is recorded for status().
#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "cublas_api.h"

namespace tl::cuda {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void add_glob(std::vector<std::string>& out, const std::string& pattern) {
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
}

// libcublas.so.13 and .12 in a folder (newest first).
void add_dir(std::vector<std::string>& out, const std::string& dir) {
  for (const char* name : {"libcublas.so.13", "libcublas.so.12"}) out.push_back(dir + "/" + name);
}

// Python package folders where pip, venv and conda put PyTorch's CUDA wheels.
std::vector<std::string> site_packages() {
  std::vector<std::string> roots;
  for (const char* env : {"VIRTUAL_ENV", "CONDA_PREFIX"})
    if (const char* v = std::getenv(env)) roots.push_back(v);
  if (const char* home = std::getenv("HOME")) roots.push_back(std::string(home) + "/.local");
  for (const char* r : {"/usr/local", "/usr", "/opt/conda", "/opt/venv", "/venv"}) roots.emplace_back(r);
  std::vector<std::string> out;
  for (const std::string& r : roots)
    for (const char* kind : {"site-packages", "dist-packages"}) add_glob(out, r + "/lib/python3*/" + kind);
  out.emplace_back("/usr/lib/python3/dist-packages");
  return out;
}

std::vector<std::string> candidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("TENSORLIFT_CUBLAS"); env && *env) {
    if (is_dir(env)) add_dir(c, env);
    else c.emplace_back(env);
  }
  c.emplace_back("libcublas.so.13");  // LD_LIBRARY_PATH, the loader cache
  c.emplace_back("libcublas.so.12");
  for (const char* env : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* v = std::getenv(env); v && *v) add_dir(c, std::string(v) + "/lib64");
  for (const char* dir : {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                          "/usr/local/cuda/targets/sbsa-linux/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"})
    add_dir(c, dir);
  add_glob(c, "/usr/local/cuda-1[23]*/lib64/libcublas.so.1[23]");
  if (const char* v = std::getenv("CONDA_PREFIX"); v && *v) add_dir(c, std::string(v) + "/lib");
  for (const std::string& sp : site_packages()) {
    add_glob(c, sp + "/nvidia/cu13/lib/libcublas.so.13");        // CUDA 13 wheels (one folder for all libraries)
    add_glob(c, sp + "/nvidia/cublas/lib/libcublas.so.1[23]");   // CUDA 12 wheels (nvidia-cublas-cu12)
  }
  // Each path once, in first-seen order.
  std::vector<std::string> unique;
  for (const std::string& p : c) {
    bool seen = false;
    for (const std::string& q : unique) seen = seen || q == p;
    if (!seen) unique.push_back(p);
  }
  return unique;
}

template <typename Fn>
bool bind(void* lib, const char* name, Fn& slot, std::string* missing) {
  slot = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!slot && missing->empty()) *missing = name;
  return slot != nullptr;
}

bool bind_all(void* lib, CublasApi& api, std::string* missing) {
  return bind(lib, "cublasCreate_v2", api.create, missing) & bind(lib, "cublasDestroy_v2", api.destroy, missing) &
         bind(lib, "cublasSetStream_v2", api.set_stream, missing) &
         bind(lib, "cublasSetWorkspace_v2", api.set_workspace, missing) &
         bind(lib, "cublasGetVersion_v2", api.get_version, missing) &
         bind(lib, "cublasGetStatusString", api.status_string, missing) &
         bind(lib, "cublasGemmStridedBatchedEx", api.gemm_strided_batched_ex, missing);
}

// A path's libcublasLt from the same folder, opened first: libcublas needs it by soname, and a
// folder that is not on the loader's path (a wheel) would otherwise not provide it.
void* preload_lt(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return nullptr;
  const size_t so = path.find(".so", slash);
  if (so == std::string::npos) return nullptr;
  const std::string lt = path.substr(0, slash + 1) + "libcublasLt" + path.substr(so);
  return dlopen(lt.c_str(), RTLD_NOW | RTLD_GLOBAL);
}

struct Loaded {
  CublasApi api{};
  const CublasApi* ok = nullptr;
  std::string why, where;
  std::vector<std::string> attempts;
};

Loaded& loaded() {
  static Loaded l;
  return l;
}

std::once_flag& once() {
  static std::once_flag f;
  return f;
}

void load() {
  Loaded& l = loaded();
  std::string lacking;  // the first "opens but lacks a symbol", which best explains a failure
  for (const std::string& c : candidates()) {
    if (c.find('/') != std::string::npos) {
      struct stat st {};
      if (stat(c.c_str(), &st) != 0) continue;  // absent files are not worth listing
    }
    void* lt = c.find('/') != std::string::npos ? preload_lt(c) : nullptr;
    void* lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* err = dlerror();
      l.attempts.push_back(c + ": " + (err ? err : "cannot be opened"));
      if (lt) dlclose(lt);
      continue;
    }
    CublasApi api{};
    std::string missing;
    if (!bind_all(lib, api, &missing)) {
      l.attempts.push_back(c + ": lacks " + missing);
      if (lacking.empty()) lacking = c + " lacks " + missing;
      dlclose(lib);
      if (lt) dlclose(lt);
      continue;
    }
    l.attempts.push_back(c + ": loaded");
    l.api = api;
    l.ok = &l.api;
    l.where = c;
    return;  // the library (and its Lt) stay loaded for the life of the process
  }
  l.why = "cuBLAS 12 or 13 was not found (" + std::to_string(l.attempts.size()) +
          " candidates tried, none usable" + (lacking.empty() ? "" : "; " + lacking) +
          "; searched TENSORLIFT_CUBLAS, libcublas.so.13/.12 on the loader path, the CUDA toolkit and pip's "
          "nvidia/cu13/lib and nvidia/cublas/lib wheels; set TENSORLIFT_CUBLAS to the library or its folder)";
}

}  // namespace

const CublasApi* load_cublas(std::string* reason, std::string* path) {
  std::call_once(once(), load);
  const Loaded& l = loaded();
  if (!l.ok && reason) *reason = l.why;
  if (path) *path = l.where;
  return l.ok;
}

std::vector<std::string> cublas_attempts() {
  std::call_once(once(), load);
  return loaded().attempts;
}

}  // namespace tl::cuda
